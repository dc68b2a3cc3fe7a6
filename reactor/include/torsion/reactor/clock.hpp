#pragma once

#include <initializer_list>
#include <vector>

#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>

namespace torsion {

namespace detail {
class TimerQueue;
}  // namespace detail

/// A fake time source for tests (Twisted's `task.Clock`): time stands still until the test
/// moves it, and every call runs deterministically, on the test's thread, with no sleeping.
///
/// It shares the reactor's timer structure, so `callLater`, `cancel`, `reset`, `delay` and
/// their errors behave exactly as on a Reactor. Time starts at 0.
///
/// Stepping rules (where Twisted's Clock falls short):
/// - `advance(d)` walks through time: each due call runs with `seconds()` equal to its own
///   deadline, not the end of the advance, in deadline order (ties in scheduling order).
/// - Calls scheduled during the advance that fall due inside it run too, at their deadlines.
/// - Each distinct deadline is one step, like one reactor turn. A zero-delay call scheduled
///   during a step runs in the next step (at that step's time) or, if the advance has no next
///   step, in the next advance. So a call that keeps rescheduling itself with delay 0 runs once
///   per step and cannot hang `advance`.
///
/// Example:
///     torsion::Clock clock;
///     MyProtocol proto{clock};
///     clock.advance(30s);   // the idle timeout fires, at 30 s exactly
///
/// Ownership: owns its pending calls; DelayedCall handles may outlive it (they go inactive).
/// Thread: single-threaded; a test drives it from one thread.
class Clock final : public IReactorTime {
 public:
  Clock();
  ~Clock() override;

  Clock(const Clock&) = delete;
  Clock& operator=(const Clock&) = delete;
  Clock(Clock&&) = delete;
  Clock& operator=(Clock&&) = delete;

  /// The fake current time, in seconds since the Clock was made.
  [[nodiscard]] double seconds() const override { return now_; }

  DelayedCall callLater(Seconds delay, UniqueFunction<void()> fn) override;
  [[nodiscard]] std::vector<DelayedCall> getDelayedCalls() const override;

  /// Moves time forward by `amount`, running every call that falls due on the way (see the
  /// stepping rules above). Exceptions thrown by calls propagate to the test, as in Twisted;
  /// time then stays at the failing call's deadline.
  /// @throws ValueError if `amount` is negative or NaN.
  void advance(Seconds amount);

  /// Jumps to the next pending deadline and runs the calls due there. Returns false, leaving
  /// time alone, when nothing is scheduled.
  bool advanceToNext();

  /// Advances by each amount in turn (Twisted's `Clock.pump`).
  void pump(std::initializer_list<Seconds> amounts);

  /// Advances by each amount in turn.
  void pump(const std::vector<Seconds>& amounts);

 private:
  void runStep(double stepTime);

  double now_ = 0;
  std::unique_ptr<detail::TimerQueue, void (*)(detail::TimerQueue*)> timers_;
};

}  // namespace torsion
