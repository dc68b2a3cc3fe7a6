#include <memory>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>

using torsion::Deferred;
using torsion::testing::assertNoResult;
using torsion::testing::failureResultOf;
using torsion::testing::successResultOf;

TEST_CASE("successResultOf returns the value of a fired Deferred", "[deferred][testing]") {
  Deferred<std::string> d = torsion::succeed(std::string("hello"));
  REQUIRE(successResultOf(d) == "hello");
  auto owned = torsion::succeed(std::make_unique<int>(5));  // move-only results work too
  REQUIRE(*successResultOf(owned) == 5);
  Deferred<void> done = torsion::succeed();
  successResultOf(done);
}

TEST_CASE("failureResultOf returns and consumes the failure", "[deferred][testing]") {
  torsion::testing::UnhandledFailureGuard guard;
  {
    Deferred<int> d = torsion::fail<int>(std::out_of_range("index 3"));
    torsion::Failure f = failureResultOf<std::out_of_range, std::domain_error>(d);
    REQUIRE(f.what() == std::string("index 3"));
  }
  REQUIRE(guard.unhandled().empty());  // taken by the helper, so not unhandled
}

TEST_CASE("assertNoResult passes for a Deferred that has not fired and leaves it usable",
          "[deferred][testing]") {
  Deferred<int> d;
  assertNoResult(d);
  d.callback(3);
  REQUIRE(successResultOf(d) == 3);
}

TEST_CASE("successResultOf fails the test when the Deferred has no result",
          "[deferred][testing][!shouldfail]") {
  Deferred<int> d;
  (void)successResultOf(d);
}

TEST_CASE("successResultOf fails the test when the Deferred failed",
          "[deferred][testing][!shouldfail]") {
  Deferred<int> d = torsion::fail<int>(std::runtime_error("refused"));
  (void)successResultOf(d);
}

TEST_CASE("failureResultOf fails the test when the failure is of another type",
          "[deferred][testing][!shouldfail]") {
  Deferred<int> d = torsion::fail<int>(std::runtime_error("refused"));
  (void)failureResultOf<std::logic_error>(d);
}

TEST_CASE("assertNoResult fails the test when the Deferred has a result",
          "[deferred][testing][!shouldfail]") {
  Deferred<int> d = torsion::succeed(1);
  assertNoResult(d);
}

TEST_CASE("UnhandledFailureGuard sees a Failure dropped unhandled", "[deferred][testing]") {
  torsion::testing::UnhandledFailureGuard guard;
  {
    Deferred<int> d;
    d.errback(std::runtime_error("nobody listened"));
  }  // the last handle goes: logged as unhandled
  const auto seen = guard.flush();
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].find("nobody listened") != std::string::npos);
}

TEST_CASE("UnhandledFailureGuard fails the test in which a Failure went unhandled",
          "[deferred][testing][!shouldfail]") {
  torsion::testing::UnhandledFailureGuard guard;
  Deferred<int> d;
  d.errback(std::runtime_error("dropped on the floor"));
  d = Deferred<int>();  // drops the failed chain; the guard's destructor fails this test
}
