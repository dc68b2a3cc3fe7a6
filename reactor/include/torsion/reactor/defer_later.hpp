#pragma once

#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/source_location.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>

namespace torsion {

/// A Deferred<void> that fires `delay` from now (Twisted's `deferLater(clock, delay)` with no
/// callable). Cancelling it before then cancels the scheduled call; it then fails with
/// CancelledError.
///
/// Ownership: the clock's pending call holds the Deferred's chain until it runs or is cancelled,
///   so dropping the returned handle does not stop it. The clock must outlive the call.
/// Thread: the clock's thread only.
/// @throws ValueError if `delay` is negative or NaN (nothing is scheduled).
///
/// Example:
///     co_await torsion::deferLater(reactor, 2s);   // a coroutine's sleep
[[nodiscard]] inline Deferred<void> deferLater(IReactorTime& clock, Seconds delay,
                                               SourceLocation origin = SourceLocation::current()) {
  // The canceller needs the DelayedCall, which exists only after callLater; it owns a slot that
  // is filled in below.
  auto slot = std::make_unique<DelayedCall>();
  DelayedCall* pending = slot.get();
  Deferred<void> trigger(
      [slot = std::move(slot)](Deferred<void>& /*self*/) {
        if (slot->active()) {
          slot->cancel();
        }
      },
      origin);
  *pending = clock.callLater(delay, [trigger]() mutable {
    if (!trigger.called()) {
      trigger.callback();
    }
  });
  return trigger;
}

/// Calls `fn()` `delay` from now and returns a Deferred of its result (Twisted's `deferLater`):
/// it fires with what `fn` returns, fails with what `fn` throws, and when `fn` returns a
/// `Deferred<U>` it follows that Deferred (the result is then a `Deferred<U>`). `fn` returning
/// void gives a `Deferred<void>`.
///
/// Cancelling the returned Deferred before `fn` runs cancels the scheduled call: `fn` never
/// runs and the Deferred fails with CancelledError. Cancelling it while it waits on a Deferred
/// `fn` returned cancels that one.
///
/// Ownership: `fn` is moved into the Deferred's chain; the clock's pending call holds the chain
///   until it runs or is cancelled. The clock must outlive the call.
/// Thread: the clock's thread only; `fn` runs on it.
/// @throws ValueError if `delay` is negative or NaN (nothing is scheduled, `fn` is dropped).
///
/// Example:
///     torsion::Deferred<int> answer = torsion::deferLater(clock, 1s, [] { return 42; });
///     clock.advance(1s);   // answer fires with 42
template <class F>

requires(std::invocable<std::decay_t<F>&>)
    [[nodiscard]] auto deferLater(IReactorTime& clock, Seconds delay, F&& fn,
                                  SourceLocation origin = SourceLocation::current()) {
  using Out = detail::StepOutputT<std::invoke_result_t<std::decay_t<F>&>, void>;
  Deferred<void> trigger = deferLater(clock, delay, origin);
  // A type-changing addCallback returns the new handle; a void one returns `trigger` itself.
  Deferred<Out> result = trigger.addCallback(std::forward<F>(fn));
  return result;
}

}  // namespace torsion
