#pragma once

#include <concepts>
#include <type_traits>
#include <utility>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/reactor_core.hpp>
#include <torsion/transports/reactor.hpp>

namespace torsion {

/// The exit statuses `react` returns besides the one a main function chooses.
struct ReactStatus {
  /// The main function's Deferred<void> succeeded, or the reactor was stopped (by SIGINT,
  /// SIGTERM or `reactor.stop()`) before it fired: a server stopped by a signal ends well.
  static constexpr int kSuccess = 0;
  /// The main function threw, or its Deferred failed; the Failure is logged.
  static constexpr int kFailure = 1;
};

namespace detail {

/// react's engine, on the normalised main function.
int reactImpl(UniqueFunction<Deferred<int>(Reactor&)> main, ReactorOptions options);

}  // namespace detail

/// Runs a program's main function on a new reactor and returns its exit status (Twisted's
/// `task.react`).
///
/// Builds a `torsion::Reactor` from `options`, runs it, and once it is running calls
/// `main(reactor)`, which returns a `Deferred<void>` or a `Deferred<int>`. When that Deferred
/// fires, react stops the reactor (the shutdown sequence runs: "before" triggers, connections
/// closed, ...) and returns:
///
/// - for a `Deferred<int>`, the value it fired with (the program's chosen exit status);
/// - for a `Deferred<void>`, `ReactStatus::kSuccess` (0);
/// - `ReactStatus::kFailure` (1) if `main` threw or the Deferred failed; the Failure is logged
///   at error level in namespace "torsion.application";
/// - `ReactStatus::kSuccess` (0) if the reactor stopped before the Deferred fired, e.g. on
///   SIGINT/SIGTERM (Twisted's react does the same). The unfired Deferred is left alone.
///
/// react never calls `exit()`: `int main() { return torsion::react(run); }`. A long-running
/// server's main starts its services, registers their stop as a "before shutdown" trigger and
/// returns a Deferred that never fires, so the signal is how it ends.
///
/// Example:
///     int main() {
///       return torsion::react([](torsion::Reactor& reactor) -> torsion::Deferred<void> {
///         return torsion::deferLater(reactor, 1s, [] { std::puts("done"); });
///       });
///     }
///
/// @throws ValueError or SystemError if the reactor cannot be built (a bad TORSION_REACTOR).
/// Thread: call it from the thread that will run the reactor (usually main's).
// clang-format off
template <class F>
requires(std::invocable<std::decay_t<F>&, Reactor&> &&
         (std::is_same_v<std::invoke_result_t<std::decay_t<F>&, Reactor&>, Deferred<void>> ||
          std::is_same_v<std::invoke_result_t<std::decay_t<F>&, Reactor&>, Deferred<int>>))
int react(F&& main, ReactorOptions options = {}) {
  // clang-format on
  using Fn = std::decay_t<F>;
  if constexpr (std::is_same_v<std::invoke_result_t<Fn&, Reactor&>, Deferred<int>>) {
    return detail::reactImpl(UniqueFunction<Deferred<int>(Reactor&)>(Fn(std::forward<F>(main))),
                             options);
  } else {
    return detail::reactImpl(
        [fn = Fn(std::forward<F>(main))](Reactor& reactor) mutable -> Deferred<int> {
          Deferred<void> done = fn(reactor);
          Deferred<int> status = done.addCallback([] { return ReactStatus::kSuccess; });
          return status;
        },
        options);
  }
}

}  // namespace torsion
