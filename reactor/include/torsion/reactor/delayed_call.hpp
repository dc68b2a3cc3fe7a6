#pragma once

#include <chrono>
#include <cstdint>

namespace torsion {

/// A delay or interval in seconds; any `std::chrono` duration converts to it (`30s`, `250ms`).
using Seconds = std::chrono::duration<double>;

namespace detail {
class TimerQueue;
}  // namespace detail

/// A handle to a call scheduled with `callLater` (Twisted's `IDelayedCall`).
///
/// Copies refer to the same call. A default-constructed handle refers to nothing and is
/// inactive.
///
/// Ownership: the reactor (or Clock) owns the scheduled call; a handle only refers to it. A handle
/// may outlive its reactor or Clock: it then reports inactive and every command on it throws.
/// Thread: the reactor's thread only.
class DelayedCall {
 public:
  DelayedCall() noexcept = default;
  DelayedCall(const DelayedCall& other) noexcept;
  DelayedCall& operator=(const DelayedCall& other) noexcept;
  DelayedCall(DelayedCall&& other) noexcept;
  DelayedCall& operator=(DelayedCall&& other) noexcept;
  ~DelayedCall();

  /// Stops the call from running and drops its function.
  /// @throws AlreadyCalled if it ran (or is running); AlreadyCancelled if it was cancelled or the
  ///   handle refers to nothing.
  void cancel();

  /// Reschedules the call to run `newDelay` from now.
  /// @throws as cancel(); ValueError if `newDelay` is negative or NaN.
  void reset(Seconds newDelay);

  /// Pushes the call back by `extra` (which may be negative, but not NaN).
  /// @throws as cancel(); ValueError if `extra` is NaN.
  void delay(Seconds extra);

  /// True while the call is scheduled: not yet run, not cancelled.
  [[nodiscard]] bool active() const noexcept;

  /// True once the call has started running.
  [[nodiscard]] bool called() const noexcept;

  /// True once the call was cancelled.
  [[nodiscard]] bool cancelled() const noexcept;

  /// When the call is (or was) due, on its clock's `seconds()` scale; 0 for an empty handle.
  [[nodiscard]] double getTime() const noexcept;

 private:
  friend class detail::TimerQueue;
  DelayedCall(detail::TimerQueue* queue, std::uint32_t slot) noexcept;

  detail::TimerQueue* queue_ = nullptr;
  std::uint32_t slot_ = 0;
};

}  // namespace torsion
