#include <chrono>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/reactor/defer_later.hpp>

using namespace std::chrono_literals;
using torsion::Clock;
using torsion::Deferred;

namespace {

struct TestError : std::runtime_error {
  TestError() : std::runtime_error("test error") {}
};

}  // namespace

TEST_CASE("deferLater fires with the function's result once the delay has passed",
          "[reactor][defer_later]") {
  Clock clock;
  double ranAt = -1;
  Deferred<int> d = torsion::deferLater(clock, 1s, [&] {
    ranAt = clock.seconds();
    return 42;
  });
  std::optional<int> got;
  d.addCallback([&got](int v) {
    got = v;
    return v;
  });
  clock.advance(999ms);
  REQUIRE_FALSE(got);
  REQUIRE(ranAt < 0);
  clock.advance(1ms);
  REQUIRE(got == 42);
  REQUIRE(ranAt == Approx(1.0));
}

TEST_CASE("deferLater without a function, or with a void one, gives a Deferred<void>",
          "[reactor][defer_later]") {
  Clock clock;
  Deferred<void> sleep = torsion::deferLater(clock, 2s);
  int ran = 0;
  auto d = torsion::deferLater(clock, 1s, [&ran] { ++ran; });
  static_assert(std::is_same_v<decltype(d), Deferred<void>>);
  clock.advance(1s);
  REQUIRE(ran == 1);
  REQUIRE(d.called());
  REQUIRE_FALSE(sleep.called());
  clock.advance(1s);
  REQUIRE(sleep.called());
}

TEST_CASE("deferLater fails with what the function throws", "[reactor][defer_later]") {
  Clock clock;
  Deferred<int> d = torsion::deferLater(clock, 1s, []() -> int { throw TestError(); });
  bool trapped = false;
  d.addErrback([&trapped](const torsion::Failure& f) {
    f.trap<TestError>();
    trapped = true;
    return 0;
  });
  REQUIRE_FALSE(trapped);
  clock.advance(1s);
  REQUIRE(trapped);
}

TEST_CASE("deferLater follows a Deferred the function returns", "[reactor][defer_later]") {
  Clock clock;
  Deferred<std::string> inner;
  auto d = torsion::deferLater(clock, 1s, [inner] { return inner; });
  static_assert(std::is_same_v<decltype(d), Deferred<std::string>>);
  std::optional<std::string> got;
  d.addCallback([&got](std::string s) {
    got = s;
    return s;
  });
  clock.advance(1s);
  REQUIRE_FALSE(got);  // waiting on `inner`
  inner.callback("late");
  REQUIRE(got == "late");
}

TEST_CASE("Cancelling deferLater's Deferred cancels the call: the function never runs",
          "[reactor][defer_later]") {
  Clock clock;
  bool ran = false;
  Deferred<int> d = torsion::deferLater(clock, 1s, [&ran] {
    ran = true;
    return 1;
  });
  REQUIRE(clock.getDelayedCalls().size() == 1);
  d.cancel();
  REQUIRE(clock.getDelayedCalls().empty());
  bool cancelled = false;
  d.addErrback([&cancelled](const torsion::Failure& f) {
    f.trap<torsion::CancelledError>();
    cancelled = true;
    return 0;
  });
  REQUIRE(cancelled);
  clock.advance(5s);
  REQUIRE_FALSE(ran);
}

TEST_CASE("Cancelling deferLater's Deferred while it waits cancels the inner Deferred",
          "[reactor][defer_later]") {
  Clock clock;
  bool innerCancelled = false;
  // The producer keeps its Deferred, as a real one (a pending request, say) would.
  Deferred<int> inner([&innerCancelled](Deferred<int>&) { innerCancelled = true; });
  auto d = torsion::deferLater(clock, 1s, [inner] { return inner; });
  clock.advance(1s);
  d.cancel();
  REQUIRE(innerCancelled);
  bool cancelled = false;
  d.addErrback([&cancelled](const torsion::Failure& f) {
    f.trap<torsion::CancelledError>();
    cancelled = true;
    return 0;
  });
  REQUIRE(cancelled);
}

TEST_CASE("deferLater runs even when nobody keeps its Deferred", "[reactor][defer_later]") {
  Clock clock;
  int ran = 0;
  (void)torsion::deferLater(clock, 1s, [&ran] { ++ran; });
  clock.advance(1s);
  REQUIRE(ran == 1);
}

TEST_CASE("deferLater rejects a negative or NaN delay at once", "[reactor][defer_later]") {
  Clock clock;
  REQUIRE_THROWS_AS((void)torsion::deferLater(clock, -1s, [] { return 1; }), torsion::ValueError);
  REQUIRE_THROWS_AS(
      (void)torsion::deferLater(clock, torsion::Seconds{std::numeric_limits<double>::quiet_NaN()}),
      torsion::ValueError);
  REQUIRE(clock.getDelayedCalls().empty());
}
