#pragma once

#include <torsion/deferred/log_event.hpp>

namespace torsion {

/// Receives every log event a `LogPublisher` publishes (Twisted's `ILogObserver`).
///
/// Thread: `observe` may be called from any thread that logs (the reactor thread and the
/// reactor's thread pool); the publisher serialises calls, so an observer needs no lock of its own.
/// Re-entrancy: an observer must not log; events it logs while observing are dropped.
class ILogObserver {
 public:
  ILogObserver() = default;
  ILogObserver(const ILogObserver&) = delete;
  ILogObserver& operator=(const ILogObserver&) = delete;
  ILogObserver(ILogObserver&&) = delete;
  ILogObserver& operator=(ILogObserver&&) = delete;
  virtual ~ILogObserver() = default;

  /// Called once per published event at or above the publisher's level.
  virtual void observe(const LogEvent& event) = 0;
};

}  // namespace torsion
