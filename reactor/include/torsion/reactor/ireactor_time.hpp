#pragma once

#include <vector>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>

namespace torsion {

/// Scheduling calls in time (Twisted's `IReactorTime`); the Reactor and the fake Clock both
/// implement it, so code that takes an `IReactorTime&` runs on either.
///
/// Ordering: calls run in deadline order, and calls with the same deadline in the order they were
/// scheduled. A call never runs inside the `callLater` that scheduled it; a zero-delay call
/// scheduled from inside a running call waits for the next turn, after pending I/O.
/// Thread: the reactor's thread only (use `callFromThread` from others).
class IReactorTime {
 public:
  IReactorTime() = default;
  IReactorTime(const IReactorTime&) = delete;
  IReactorTime& operator=(const IReactorTime&) = delete;
  IReactorTime(IReactorTime&&) = delete;
  IReactorTime& operator=(IReactorTime&&) = delete;
  virtual ~IReactorTime() = default;

  /// The current time in seconds on a monotonic scale (not wall-clock time).
  [[nodiscard]] virtual double seconds() const = 0;

  /// Runs `fn` once, `delay` from now. Exceptions `fn` throws are logged, not propagated.
  /// @throws ValueError if `delay` is negative or NaN.
  virtual DelayedCall callLater(Seconds delay, UniqueFunction<void()> fn) = 0;

  /// Every call still scheduled, in no particular order.
  [[nodiscard]] virtual std::vector<DelayedCall> getDelayedCalls() const = 0;
};

}  // namespace torsion
