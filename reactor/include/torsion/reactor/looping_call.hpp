#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>

namespace torsion {

/// `start()` was called on a LoopingCall that is running, or whose previous run has not finished
/// yet (it was stopped while waiting for the Deferred its function returned). Twisted asserts
/// "Tried to start an already running LoopingCall".
class LoopingCallAlreadyRunning : public Error {
 public:
  using Error::Error;
};

/// `stop()` or `reset()` was called on a LoopingCall that is not running. Twisted asserts "Tried
/// to stop a LoopingCall that was not running".
class LoopingCallNotRunning : public Error {
 public:
  using Error::Error;
};

namespace detail {

struct LoopingCallLink;

/// The function a LoopingCall stores: takes the count (1 unless made with `withCount`) and
/// returns the Deferred the loop waits for.
using LoopFunction = UniqueFunction<Deferred<void>(std::size_t)>;

/// Turns what a user's loop function returned into the Deferred<void> the loop waits for.
template <class Fn, class... Args>
Deferred<void> callLoopFunction(Fn& fn, Args... args) {
  using R = std::invoke_result_t<Fn&, Args...>;
  using D = std::remove_cvref_t<R>;
  if constexpr (std::is_void_v<R>) {
    std::invoke(fn, args...);
    return succeed();
  } else if constexpr (IsDeferred<D>::value) {
    if constexpr (std::is_void_v<typename D::ValueType>) {
      return std::invoke(fn, args...);
    } else {
      // The loop ignores the value, as Twisted's does; only success or failure matters.
      D d = std::invoke(fn, args...);
      return d.addCallback([](typename D::ValueType&&) {});
    }
  } else {
    static_assert(std::is_void_v<R> || IsDeferred<D>::value,
                  "a LoopingCall's function returns void or a Deferred");
    return succeed();
  }
}

}  // namespace detail

/// Calls a function repeatedly, every `interval` seconds (Twisted's `task.LoopingCall`).
///
/// `start(interval)` calls the function at once (or after one interval with `now = false`) and
/// then on a fixed grid: at start + k·interval. A call that runs late, or that returns a Deferred
/// which takes several intervals to fire, does not cause a burst of catch-up calls: the missed
/// intervals are skipped and the next call lands on the next grid point still in the future.
/// A loop made with `withCount` passes its function the number of intervals that elapsed since
/// the previous call (1 normally, 3 after a 3.5-interval stall), so it can account for the
/// skipped ones. Interval 0 means "as often as possible": one call per reactor turn (one per step
/// of the fake Clock).
///
/// The function may return void or a `Deferred` (any `Deferred<U>`; its value is ignored). When
/// it returns a Deferred, the next call waits for that Deferred to fire and is then scheduled on
/// the grid. If the function throws, or its Deferred fails, the loop stops and the Deferred that
/// `start()` returned errbacks with that failure. `stop()` fires that Deferred with success (at
/// once, or, if a Deferred the function returned is still pending, when that Deferred fires).
///
/// Ownership: the caller owns the LoopingCall; it owns its pending DelayedCall (which captures
///   `this`) and cancels it when destroyed. Destroying a running LoopingCall stops it, as `stop()`
///   would, except that it does not wait for a pending Deferred of its function: the start
///   Deferred fires with success inside the destructor, and a later result of that pending
///   Deferred is left to whoever else holds it (a failure nobody handles is logged as unhandled).
///   The clock must outlive the LoopingCall.
/// Thread: the clock's thread (the reactor thread) only.
/// Re-entrancy: the function may call `stop()` and `reset()`; it must not destroy the
///   LoopingCall (stop it and destroy it later). Callbacks on the start Deferred run inside
///   `stop()`, inside the call that ended the loop, or inside the destructor; they may destroy
///   the LoopingCall or start it again, except when run by the destructor (then they must not
///   use it at all).
///
/// Example:
///     torsion::LoopingCall heartbeat(reactor, [&conn] { conn.sendLine("PING"); });
///     heartbeat.start(30s).addErrback([](torsion::Failure f) { log(f.what()); });
///     ...
///     heartbeat.stop();
class LoopingCall {
 public:
  /// Tag selecting the counting constructor; see `withCount`.
  struct WithCount {
    explicit WithCount() = default;
  };

  /// The tag value: `LoopingCall lc(clock, LoopingCall::kWithCount, fn)`.
  static constexpr WithCount kWithCount{};

  /// A loop calling `fn()`, which returns void or a Deferred.
  template <class F>

  requires(std::invocable<std::decay_t<F>&>) LoopingCall(IReactorTime& clock, F&& fn)
      : LoopingCall(clock, false, [f = std::decay_t<F>(std::forward<F>(fn))](std::size_t) mutable {
          return detail::callLoopFunction(f);
        }) {}

  /// A loop calling `fn(count)`, where `count` is how many intervals elapsed since the previous
  /// call (Twisted's `LoopingCall.withCount`). `fn` returns void or a Deferred. Use this form
  /// where the LoopingCall cannot be returned by value, e.g. `std::make_unique<LoopingCall>`.
  template <class F>

  requires(std::invocable<std::decay_t<F>&, std::size_t>)
      LoopingCall(IReactorTime& clock, WithCount /*tag*/, F&& fn)
      : LoopingCall(clock, true,
                    [f = std::decay_t<F>(std::forward<F>(fn))](std::size_t count) mutable {
                      return detail::callLoopFunction(f, count);
                    }) {}

  /// A counting loop (Twisted's `LoopingCall.withCount`): `fn(count)` gets the number of
  /// intervals that elapsed since its previous call, at least 1. With interval 0 it is always 1.
  ///
  /// Example:
  ///     auto animation = torsion::LoopingCall::withCount(clock, [&sprite](std::size_t frames) {
  ///       sprite.advance(frames);  // catches up after a stall instead of drifting
  ///     });
  template <class F>

  requires(std::invocable<std::decay_t<F>&, std::size_t>) [[nodiscard]] static LoopingCall
      withCount(IReactorTime& clock, F&& fn) {
    return LoopingCall(clock, kWithCount, std::forward<F>(fn));
  }

  /// Stops a running loop; see the class comment.
  ~LoopingCall();  // NOLINT(bugprone-exception-escape): nothing in it throws

  LoopingCall(const LoopingCall&) = delete;
  LoopingCall& operator=(const LoopingCall&) = delete;
  LoopingCall(LoopingCall&&) = delete;
  LoopingCall& operator=(LoopingCall&&) = delete;

  /// Starts calling the function every `interval`: at once if `now`, else after one interval.
  /// Returns a Deferred that fires with success when the loop is stopped with `stop()`, or fails
  /// with the failure that ended it. With `now`, the first call runs inside `start()`; if it
  /// fails at once, the returned Deferred has already failed.
  /// @throws LoopingCallAlreadyRunning if running, or stopped while still waiting for a Deferred
  ///   the function returned.
  /// @throws ValueError if `interval` is negative or NaN.
  Deferred<void> start(Seconds interval, bool now = true);

  /// Stops the loop: no further calls. The start Deferred fires now, or when the Deferred the
  /// function returned (if one is pending) fires.
  /// @throws LoopingCallNotRunning if the loop is not running.
  void stop();

  /// Skips the pending call and restarts the interval grid from now: the next call is one
  /// interval from now. Does nothing while waiting for a Deferred the function returned (the
  /// next call is then scheduled when it fires), as in Twisted.
  /// @throws LoopingCallNotRunning if the loop is not running.
  void reset();

  /// True from `start()` until `stop()`, or until the function fails (Twisted's `running`).
  /// It is already false when the start Deferred fires.
  [[nodiscard]] bool running() const noexcept { return running_; }

  /// The interval given to the last `start()` (0 before the first).
  [[nodiscard]] Seconds interval() const noexcept { return interval_; }

 private:
  LoopingCall(IReactorTime& clock, bool withCount, detail::LoopFunction fn);

  void runCall();
  void callFinished(const Outcome<void>& outcome);
  void scheduleFrom(double when);
  [[nodiscard]] std::size_t elapsedIntervals();
  [[nodiscard]] long long intervalOf(double t) const;
  void finish(const std::optional<Failure>& failure);

  IReactorTime& clock_;
  detail::LoopFunction fn_;
  bool withCount_;
  bool running_ = false;
  Seconds interval_{0};
  double startTime_ = 0;
  bool runAtStart_ = false;
  std::optional<double> realLastTime_;     // withCount: when the function last ran
  DelayedCall call_;                       // the pending call; captures `this`, cancelled in ~
  std::optional<Deferred<void>> started_;  // the start Deferred, until it fires
  // Reaches this object from callbacks on the function's Deferreds, which cannot be unregistered;
  // the destructor clears it so a Deferred that fires later finds nothing.
  std::shared_ptr<detail::LoopingCallLink> link_;
};

}  // namespace torsion
