#pragma once

#include <concepts>
#include <optional>
#include <type_traits>
#include <utility>

#include <torsion/application/service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/reactor/looping_call.hpp>

namespace torsion {

/// Calls a function every `interval` while running (Twisted's `TimerService`): a LoopingCall
/// started by `startService` (first call at once, as Twisted's `now=True`) and stopped by
/// `stopService`.
///
/// The function returns void or a `Deferred<void>`; while such a Deferred is pending the next
/// call waits (LoopingCall's rule), and `stopService` fires only once it has fired, so a call
/// in progress always finishes. If the function throws or its Deferred fails, the loop stops
/// and the failure is logged (namespace "torsion.application"); the service still counts as
/// running until stopped, as in Twisted.
///
/// Example:
///     root.addService(std::make_unique<torsion::TimerService>(reactor, 60s, [&store] {
///       return store.snapshot();   // a Deferred<void>: the next tick waits for it
///     }));
///
/// Ownership: owns its LoopingCall; the clock must outlive the service. Destroying a running
///   service stops the loop without waiting for a call in progress.
/// Thread: the clock's thread only.
/// Re-entrancy: the function must not destroy the service.
class TimerService final : public Service {
 public:
  /// Calls `fn()` every `interval`.
  /// @throws ValueError if `interval` is negative or NaN.
  // clang-format off
  template <class F>
  requires(std::invocable<std::decay_t<F>&> &&
           (std::is_void_v<std::invoke_result_t<std::decay_t<F>&>> ||
            std::is_same_v<std::invoke_result_t<std::decay_t<F>&>, Deferred<void>>))
  TimerService(IReactorTime& clock, Seconds interval, F&& fn)
      : TimerService(clock, interval, wrap(std::forward<F>(fn))) {}

  // clang-format on

  /// Calls `fn()` every `interval`; `fn` returns the Deferred a tick waits for.
  /// @throws ValueError if `interval` is negative or NaN, or `fn` is empty.
  TimerService(IReactorTime& clock, Seconds interval, UniqueFunction<Deferred<void>()> fn);

  ~TimerService() override;

  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;
  TimerService(TimerService&&) = delete;
  TimerService& operator=(TimerService&&) = delete;

  /// Marks the service running and starts the loop; the first call runs inside this call.
  void startService() override;

  /// Stops the loop; the Deferred fires once a call in progress (a pending Deferred the
  /// function returned) has finished, at once otherwise.
  Deferred<void> stopService() override;

  /// The interval between calls.
  [[nodiscard]] Seconds interval() const noexcept { return interval_; }

  /// True while the loop runs (false after a failure stopped it, or before start).
  [[nodiscard]] bool looping() const noexcept { return loop_.running(); }

 private:
  template <class F>
  static UniqueFunction<Deferred<void>()> wrap(F&& fn) {
    using Fn = std::decay_t<F>;
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&>>) {
      return [f = Fn(std::forward<F>(fn))]() mutable -> Deferred<void> {
        f();
        return succeed();
      };
    } else {
      return UniqueFunction<Deferred<void>()>(Fn(std::forward<F>(fn)));
    }
  }

  Seconds interval_;
  UniqueFunction<Deferred<void>()> fn_;
  LoopingCall loop_;  // its function captures `this`; destroyed (and stopped) first
  std::optional<Deferred<void>> finished_;  // the loop's start Deferred, with the failure logger
};

}  // namespace torsion
