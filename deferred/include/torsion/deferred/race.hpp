#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/outcome.hpp>
#include <torsion/deferred/source_location.hpp>

namespace torsion {

/// The failure of a `race` in which every input failed: all their failures, in input order
/// (Twisted's `FailureGroup`).
class FailureGroup : public Error {
 public:
  explicit FailureGroup(std::vector<Failure> failures);

  [[nodiscard]] const std::vector<Failure>& failures() const noexcept { return failures_; }

 private:
  std::vector<Failure> failures_;
};

/// What `race` fires with: the winner's index and value (just the index for Deferred<void>).
template <class T>
using RaceResult = std::conditional_t<std::is_void_v<T>, std::size_t, std::pair<std::size_t, T>>;

namespace detail {

template <class T>
struct RaceState {
  std::vector<Deferred<T>> inputs;  // dropped once the race is decided
  std::vector<std::optional<Failure>> failures;
  std::size_t failed = 0;
  std::optional<Deferred<RaceResult<T>>> result;

  void record(std::size_t index, Outcome<T> outcome) {
    if (!result) {
      return;  // decided already: a loser, most likely cancelled; its result is consumed
    }
    if (outcome.failed()) {
      failures[index] = outcome.failure();
      if (++failed == failures.size()) {
        std::vector<Failure> all;
        all.reserve(failures.size());
        for (std::optional<Failure>& f : failures) {
          all.push_back(std::move(*f));
        }
        Deferred<RaceResult<T>> target = std::move(*result);
        result.reset();
        inputs.clear();
        target.errback(FailureGroup(std::move(all)));
      }
      return;
    }
    Deferred<RaceResult<T>> target = std::move(*result);
    result.reset();
    std::vector<Deferred<T>> losers = std::move(inputs);
    inputs.clear();
    for (std::size_t i = 0; i < losers.size(); ++i) {
      if (i != index) {
        losers[i].cancel();
      }
    }
    if constexpr (std::is_void_v<T>) {
      target.callback(index);
    } else {
      target.callback(RaceResult<T>(index, std::move(outcome).value()));
    }
  }

  void cancelAll() {
    std::vector<Deferred<T>> targets = inputs;
    for (Deferred<T>& d : targets) {
      d.cancel();
    }
  }
};

}  // namespace detail

/// Fires with the first input to succeed, as (index, value), and cancels all the others
/// (Twisted's `race`). If every input fails, fails with a FailureGroup of all their failures;
/// an empty input list fails at once that way. Cancelling the race cancels every input.
/// The inputs' chains go on with no value (the race consumed their results and failures).
///
/// Example:
///     torsion::race(std::vector{fetchFromMirror1(), fetchFromMirror2()})
///         .addCallback([](std::pair<std::size_t, Page> winner) { ... });
///
/// @throws StaleDeferredError if an input handle is stale.
template <class T>
[[nodiscard]] Deferred<RaceResult<T>> race(std::vector<Deferred<T>> deferreds,
                                           SourceLocation origin = SourceLocation::current()) {
  auto state = std::make_shared<detail::RaceState<T>>();
  state->failures.resize(deferreds.size());
  Deferred<RaceResult<T>> result([state](Deferred<RaceResult<T>>&) { state->cancelAll(); }, origin);
  if (deferreds.empty()) {
    result.errback(FailureGroup({}));
    return result;
  }
  state->result = result;
  state->inputs = deferreds;
  for (std::size_t i = 0; i < deferreds.size(); ++i) {
    (void)deferreds[i].addBoth(
        [state, i](Outcome<T> outcome) { state->record(i, std::move(outcome)); });
  }
  return result;
}

}  // namespace torsion
