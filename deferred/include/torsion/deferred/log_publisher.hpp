#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include <torsion/deferred/ilog_observer.hpp>
#include <torsion/deferred/log_event.hpp>

namespace torsion {

/// Fans log events out to observers, filtering by a minimum level.
///
/// Starts with one observer that writes text lines to stderr (`TextLogObserver`); call
/// `removeDefaultObserver()` to replace it, as the `torsion` program does for `--log-format json`.
///
/// Ownership: observers added with `addObserver(ILogObserver&)` are not owned and must be removed
/// before they die (`ScopedLogObserver` does both); the default observer is owned.
/// Thread: every method is thread-safe; events are delivered to observers one at a time.
class LogPublisher {
 public:
  LogPublisher();
  LogPublisher(const LogPublisher&) = delete;
  LogPublisher& operator=(const LogPublisher&) = delete;
  LogPublisher(LogPublisher&&) = delete;
  LogPublisher& operator=(LogPublisher&&) = delete;
  ~LogPublisher();

  /// Delivers `event` to every observer if its level is at or above `level()`.
  void publish(const LogEvent& event);

  /// True when an event of `level` would be delivered; lets callers skip formatting.
  [[nodiscard]] bool enabled(LogLevel level) const noexcept {
    return level >= minLevel_.load(std::memory_order_relaxed);
  }

  /// The minimum level delivered (default `kInfo`).
  [[nodiscard]] LogLevel level() const noexcept { return minLevel_.load(); }

  /// Sets the minimum level delivered.
  void setLevel(LogLevel level) noexcept { minLevel_.store(level); }

  /// Adds an observer that is not owned; it must outlive its registration.
  void addObserver(ILogObserver& observer);

  /// Removes an observer added with `addObserver`; removing an unknown one does nothing.
  void removeObserver(ILogObserver& observer);

  /// Drops the stderr text observer the publisher starts with.
  void removeDefaultObserver();

 private:
  std::atomic<LogLevel> minLevel_{LogLevel::kInfo};
  std::recursive_mutex mutex_;
  bool publishing_ = false;  // guards against an observer that logs while observing
  std::unique_ptr<ILogObserver> defaultObserver_;
  std::vector<ILogObserver*> observers_;
};

/// The process's log publisher, which `Logger`s publish to unless given another.
///
/// This is torsion's one piece of global state, as Twisted has `globalLogPublisher`: log events
/// and unhandled Deferred failures must reach the program's observers wherever they happen.
[[nodiscard]] LogPublisher& globalLogPublisher();

/// Registers an observer with a publisher for the lifetime of this object.
class ScopedLogObserver {
 public:
  ScopedLogObserver(LogPublisher& publisher, ILogObserver& observer)
      : publisher_(publisher), observer_(observer) {
    publisher_.addObserver(observer_);
  }

  ScopedLogObserver(const ScopedLogObserver&) = delete;
  ScopedLogObserver& operator=(const ScopedLogObserver&) = delete;
  ScopedLogObserver(ScopedLogObserver&&) = delete;
  ScopedLogObserver& operator=(ScopedLogObserver&&) = delete;

  ~ScopedLogObserver() { publisher_.removeObserver(observer_); }

 private:
  LogPublisher& publisher_;
  ILogObserver& observer_;
};

}  // namespace torsion
