#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>

namespace torsion {

/// The phases of a system event, run in this order (Twisted's "before", "during", "after").
enum class EventPhase { kBefore, kDuring, kAfter };

/// The system events the reactor fires.
enum class SystemEvent { kStartup, kShutdown };

/// Identifies a registered trigger so it can be removed.
struct TriggerId {
  std::uint64_t value = 0;
  friend bool operator==(TriggerId, TriggerId) = default;
};

/// Starting, stopping and driving the loop (Twisted's `IReactorCore`).
///
/// Lifecycle: `run()` fires the startup event (so `callWhenRunning` calls run), then loops until
/// `stop()`. `stop()` fires the shutdown event: every "before" trigger runs, and the loop keeps
/// turning until the work those triggers started has finished (a trigger delays shutdown by
/// holding the `ShutdownDelay` it is given); then the "during" triggers (the reactor stops its
/// thread pool here), then the "after" triggers, and `run()` returns. A reactor may be run again
/// after `run()` returns.
/// Thread: the reactor's thread only.
class IReactorCore {
 public:
  IReactorCore() = default;
  IReactorCore(const IReactorCore&) = delete;
  IReactorCore& operator=(const IReactorCore&) = delete;
  IReactorCore(IReactorCore&&) = delete;
  IReactorCore& operator=(IReactorCore&&) = delete;
  virtual ~IReactorCore() = default;

  /// Runs the loop until stopped. Installs SIGINT/SIGTERM handlers that stop the reactor
  /// gracefully, unless the reactor was built with `installSignalHandlers = false`.
  /// @throws ReactorAlreadyRunning if it is running.
  virtual void run() = 0;

  /// Begins the shutdown sequence; `run()` returns when it completes.
  /// @throws ReactorNotRunning if the reactor is not running or is already stopping.
  virtual void stop() = 0;

  /// Makes `run()` return at the end of this turn without finishing the shutdown sequence
  /// (Twisted's `crash`): for tests and for hosts that must leave at once. Shutdown triggers
  /// that have not run yet do not run; a Deferred a trigger is waiting on is abandoned.
  /// Does nothing when the reactor is not running.
  virtual void crash() noexcept = 0;

  /// True from the start of `run()` until the shutdown sequence completes.
  [[nodiscard]] virtual bool running() const noexcept = 0;

  /// Runs one turn: waits at most `timeout` for I/O (0 polls without waiting), dispatches ready
  /// descriptors, then runs the calls that are due. For hosts that drive the loop themselves.
  virtual void iterate(Seconds timeout) = 0;

  /// Runs `fn` once the reactor is running: at startup, or on the next turn if it already runs.
  virtual TriggerId callWhenRunning(UniqueFunction<void()> fn) = 0;

  /// Runs `fn` in `phase` of `event`. In the `kBefore` phase, the Deferred `fn` returns holds
  /// the later phases until it fires.
  virtual TriggerId addSystemEventTrigger(EventPhase phase, SystemEvent event,
                                          UniqueFunction<Deferred<void>()> fn) = 0;

  /// Runs `fn`, which returns nothing, in `phase` of `event`.
  template <class F>
  requires std::is_void_v < std::invoke_result_t < std::decay_t<F>

  & >> TriggerId addSystemEventTrigger(EventPhase phase, SystemEvent event, F&& fn) {
    return addSystemEventTrigger(
        phase, event,
        UniqueFunction<Deferred<void>()>([f = std::forward<F>(fn)]() mutable -> Deferred<void> {
          f();
          return succeed();
        }));
  }

  /// Removes a trigger that has not run yet; removing an unknown or spent id does nothing.
  virtual void removeSystemEventTrigger(TriggerId id) = 0;
};

}  // namespace torsion
