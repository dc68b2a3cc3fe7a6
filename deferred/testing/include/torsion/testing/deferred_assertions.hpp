#pragma once

// Catch2 assertions about Deferreds, after Twisted's trial (`successResultOf`,
// `failureResultOf`, `assertNoResult`). They live in the separate torsion::testing target so
// production code never links Catch2.

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/outcome.hpp>

namespace torsion::testing {

namespace detail {

/// What an outcome holds, for assertion messages: "no result", "a failure: <type>: <what>",
/// "a value: <stringified>".
template <class T>
std::string describe(const std::optional<Outcome<T>>& got) {
  if (!got || !got->fired()) {
    return "no result";
  }
  if (got->failed()) {
    const Failure& f = got->failure();
    return "a failure: " + f.typeName() + ": " + f.what();
  }
  if constexpr (std::is_void_v<T>) {
    return "a (void) value";
  } else {
    return "a value: " + ::Catch::Detail::stringify(got->value());
  }
}

/// Takes the result of `d` if it has one, leaving the chain with no value (as trial's helpers
/// leave None), so a taken failure no longer counts as unhandled.
template <class T>
std::optional<Outcome<T>> take(Deferred<T>& d) {
  auto holder = std::make_shared<std::optional<Outcome<T>>>();
  if (!d.called()) {
    return std::nullopt;  // nothing to take, and nothing added to the chain
  }
  (void)d.addBoth([holder](Outcome<T> result) { *holder = std::move(result); });
  return std::move(*holder);
}

}  // namespace detail

/// The value `d` has already succeeded with; fails the test (REQUIRE) if it has no result or
/// failed, saying which and with what. Consumes the result: the chain goes on with no value.
template <class T>
T successResultOf(Deferred<T>& d) {
  std::optional<Outcome<T>> got = detail::take(d);
  INFO("successResultOf: expected a value, the Deferred holds " << detail::describe(got));
  REQUIRE((got && got->succeeded()));
  if constexpr (!std::is_void_v<T>) {
    return std::move(got->value());
  }
}

/// The Failure `d` has already failed with; fails the test if it has no result, succeeded, or
/// failed with an exception that is none of `E...` (when any are given). Consumes the failure,
/// so it is not logged as unhandled.
template <class... E, class T>
Failure failureResultOf(Deferred<T>& d) {
  std::optional<Outcome<T>> got = detail::take(d);
  INFO("failureResultOf: expected a failure, the Deferred holds " << detail::describe(got));
  REQUIRE((got && got->failed()));
  Failure failure = got->failure();
  if constexpr (sizeof...(E) > 0) {
    INFO("failureResultOf: the failure is " << failure.typeName() << ": " << failure.what()
                                            << ", not one of the expected types");
    REQUIRE(failure.template check<E...>().has_value());
  }
  return failure;
}

/// Fails the test if `d` has a result. A failure found is consumed so it is not also logged as
/// unhandled; a Deferred with no result is left untouched.
template <class T>
void assertNoResult(Deferred<T>& d) {
  if (d.called()) {
    std::optional<Outcome<T>> got = detail::take(d);
    INFO("assertNoResult: expected no result, the Deferred holds " << detail::describe(got));
    REQUIRE_FALSE(got.has_value());
  }
}

}  // namespace torsion::testing
