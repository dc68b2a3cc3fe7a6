#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/outcome.hpp>
#include <torsion/deferred/source_location.hpp>

namespace torsion {

/// The failure of a DeferredList with fireOnOneErrback (and of gatherResults): which input
/// failed first, and how (Twisted's `FirstError`).
class FirstError : public Error {
 public:
  FirstError(Failure subFailure, std::size_t index);

  /// The failure of the input that failed.
  [[nodiscard]] const Failure& subFailure() const noexcept { return subFailure_; }

  /// Its position in the input list.
  [[nodiscard]] std::size_t index() const noexcept { return index_; }

 private:
  Failure subFailure_;
  std::size_t index_;
};

/// How a DeferredList fires (Twisted's keyword arguments).
struct DeferredListOptions {
  /// Fire as soon as one input succeeds. The result vector then holds that success plus any
  /// failures seen before it; inputs that had not fired are empty Outcomes (`!fired()`).
  bool fireOnOneCallback = false;
  /// Fail with FirstError as soon as one input fails.
  bool fireOnOneErrback = false;
  /// Do not pass failures on along the inputs' chains (the list has seen them); the inputs'
  /// chains then go on with no value, as Twisted's go on with None.
  bool consumeErrors = false;
};

namespace detail {

template <class T>
struct DeferredListState {
  using Results = std::vector<Outcome<T>>;

  std::vector<Deferred<T>> inputs;  // for cancel(); dropped once the list fired
  Results results;
  std::size_t finished = 0;
  DeferredListOptions options;
  std::optional<Deferred<Results>> list;  // dropped once fired

  void record(std::size_t index, Outcome<T> outcome) {
    ++finished;
    if (!list || list->called()) {
      return;
    }
    bool failed = outcome.failed();
    std::optional<Failure> failure;
    if (failed) {
      failure = outcome.failure();
    }
    results[index] = std::move(outcome);
    Deferred<Results> target = *list;
    if (failed && options.fireOnOneErrback) {
      finish();
      target.errback(FirstError(std::move(*failure), index));
    } else if ((!failed && options.fireOnOneCallback) || finished == results.size()) {
      finish();
      target.callback(std::move(results));
    }
  }

  // Drops the references that could form cycles through still-unfired inputs.
  void finish() {
    list.reset();
    std::vector<Deferred<T>> dropped = std::move(inputs);
    inputs.clear();
  }

  void cancelAll() {
    std::vector<Deferred<T>> targets = inputs;  // cancelling may fire the list and clear inputs
    for (Deferred<T>& d : targets) {
      d.cancel();
    }
  }
};

}  // namespace detail

/// Collects the results of several Deferreds into one (Twisted's `DeferredList`): by default it
/// fires, once every input has fired, with one Outcome per input in input order (the
/// `(success, result)` pairs). It is itself a `Deferred<std::vector<Outcome<T>>>`.
///
/// The list watches each input by adding a callback to it, so callbacks added to an input before
/// the list see results first, and callbacks added after see what the list passes on: the same
/// value (copied, when T is copyable), the same failure (unless consumeErrors), or no value at
/// all (void) when T is move-only, because the list took it.
///
/// Cancelling the list before it fired cancels every input.
///
/// Example:
///     torsion::DeferredList<int> all({fetchA(), fetchB()}, {.consumeErrors = true});
///     all.addCallback([](std::vector<torsion::Outcome<int>> rs) { ... });
///
/// Ownership: until an input fires, it and the list keep each other alive.
/// Thread: as Deferred.
/// @throws StaleDeferredError (from the constructor) if an input handle is stale.
template <class T>
class [[nodiscard]] DeferredList : public Deferred<std::vector<Outcome<T>>> {
 public:
  using Results = std::vector<Outcome<T>>;

  explicit DeferredList(std::vector<Deferred<T>> deferreds, DeferredListOptions options = {},
                        SourceLocation origin = SourceLocation::current())
      : Deferred<Results>(build(std::move(deferreds), options, origin)) {}

 private:
  static Deferred<Results> build(std::vector<Deferred<T>> deferreds, DeferredListOptions options,
                                 SourceLocation origin) {
    auto state = std::make_shared<detail::DeferredListState<T>>();
    state->options = options;
    state->results.resize(deferreds.size());
    Deferred<Results> list([state](Deferred<Results>&) { state->cancelAll(); }, origin);
    state->list = list;
    state->inputs = deferreds;
    if (deferreds.empty() && !options.fireOnOneCallback) {
      state->finish();
      list.callback(Results{});
      return list;
    }
    for (std::size_t i = 0; i < deferreds.size(); ++i) {
      if constexpr (std::is_copy_constructible_v<T> || std::is_void_v<T>) {
        if (!options.consumeErrors) {
          deferreds[i].addBoth([state, i](Outcome<T> result) -> Outcome<T> {
            state->record(i, result);
            return result;
          });
          continue;
        }
      }
      (void)deferreds[i].addBoth([state, i, options](Outcome<T> result) -> Outcome<void> {
        std::optional<Failure> failure;
        if (result.failed() && !options.consumeErrors) {
          failure = result.failure();
        }
        state->record(i, std::move(result));
        if (failure) {
          return Outcome<void>(std::move(*failure));
        }
        return Outcome<void>::success();
      });
    }
    return list;
  }
};

/// Waits for every Deferred and fires with their values in input order; fails with FirstError
/// as soon as one fails (Twisted's `gatherResults`). For Deferred<void> inputs it returns a
/// Deferred<void>. consumeErrors as for DeferredList.
template <class T>
[[nodiscard]] auto gatherResults(std::vector<Deferred<T>> deferreds, bool consumeErrors = false,
                                 SourceLocation origin = SourceLocation::current()) {
  DeferredList<T> list(
      std::move(deferreds),
      {.fireOnOneCallback = false, .fireOnOneErrback = true, .consumeErrors = consumeErrors},
      origin);
  if constexpr (std::is_void_v<T>) {
    Deferred<void> done = list.addCallback([](const std::vector<Outcome<void>>&) {});
    return done;
  } else {
    Deferred<std::vector<T>> values = list.addCallback([](std::vector<Outcome<T>> results) {
      std::vector<T> out;
      out.reserve(results.size());
      for (Outcome<T>& result : results) {
        out.push_back(std::move(result).value());
      }
      return out;
    });
    return values;
  }
}

}  // namespace torsion
