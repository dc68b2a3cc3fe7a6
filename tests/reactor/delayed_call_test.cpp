#include <chrono>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/errors.hpp>
#include <torsion/reactor/reactor_core.hpp>

#include "reactor_test_support.hpp"

using namespace std::chrono_literals;
using torsion::DelayedCall;
using torsion::ReactorCore;

TEST_CASE("Calls with the same deadline run in the order they were scheduled",
          "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::string order;
  // Zero delay gives every call the same deadline relative to a clock that barely moves; use a
  // fixed delay and check the tie-break through equal deadlines via reset to the same time.
  for (char c : std::string("abcdef")) {
    reactor.callLater(0s, [&order, c] { order.push_back(c); });
  }
  reactor.callLater(10ms, [&reactor] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(order == "abcdef");
}

TEST_CASE("Calls run in deadline order whatever order they were scheduled in",
          "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<int> order;
  reactor.callLater(30ms, [&order] { order.push_back(3); });
  reactor.callLater(10ms, [&order] { order.push_back(1); });
  reactor.callLater(20ms, [&order] { order.push_back(2); });
  reactor.callLater(40ms, [&reactor] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(order == std::vector<int>{1, 2, 3});
}

TEST_CASE("A call does not run before its deadline", "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  const double start = reactor.seconds();
  double ranAt = 0;
  DelayedCall call = reactor.callLater(50ms, [&] {
    ranAt = reactor.seconds();
    reactor.stop();
  });
  REQUIRE(call.getTime() == Approx(start + 0.05).margin(0.01));
  torsion::test::runBounded(reactor);
  REQUIRE(ranAt >= call.getTime());
  REQUIRE(call.called());
  REQUIRE_FALSE(call.active());
}

TEST_CASE(
    "Cancelling twice raises AlreadyCancelled and cancelling after the call raises "
    "AlreadyCalled",
    "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  bool ran = false;
  DelayedCall cancelled = reactor.callLater(1s, [&ran] { ran = true; });
  REQUIRE(cancelled.active());
  cancelled.cancel();
  REQUIRE(cancelled.cancelled());
  REQUIRE_FALSE(cancelled.active());
  REQUIRE_THROWS_AS(cancelled.cancel(), torsion::AlreadyCancelled);
  REQUIRE_THROWS_AS(cancelled.reset(1s), torsion::AlreadyCancelled);
  REQUIRE_THROWS_AS(cancelled.delay(1s), torsion::AlreadyCancelled);

  DelayedCall done = reactor.callLater(0s, [&reactor] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE_FALSE(ran);
  REQUIRE(done.called());
  REQUIRE_THROWS_AS(done.cancel(), torsion::AlreadyCalled);
  REQUIRE_THROWS_AS(done.reset(1s), torsion::AlreadyCalled);
  REQUIRE_THROWS_AS(done.delay(1s), torsion::AlreadyCalled);
}

TEST_CASE("An empty DelayedCall handle is inactive and refuses commands",
          "[reactor][delayed_call]") {
  DelayedCall empty;
  REQUIRE_FALSE(empty.active());
  REQUIRE_FALSE(empty.called());
  REQUIRE(empty.getTime() == 0.0);
  REQUIRE_THROWS_AS(empty.cancel(), torsion::AlreadyCancelled);
}

TEST_CASE("reset and delay move a pending call", "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<std::string> order;
  DelayedCall first = reactor.callLater(10ms, [&order] { order.emplace_back("first"); });
  DelayedCall second = reactor.callLater(20ms, [&order] { order.emplace_back("second"); });
  const double before = first.getTime();
  first.delay(20ms);  // now due at +30ms, after second
  REQUIRE(first.getTime() == Approx(before + 0.02));
  second.reset(40ms);  // now due at +40ms, after first
  reactor.callLater(60ms, [&reactor] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(order == std::vector<std::string>{"first", "second"});
}

TEST_CASE("Negative and NaN delays are rejected with ValueError", "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_AS(reactor.callLater(torsion::Seconds{-1}, [] {}), torsion::ValueError);
  REQUIRE_THROWS_WITH(reactor.callLater(torsion::Seconds{nan}, [] {}), Catch::Contains("NaN"));
  DelayedCall call = reactor.callLater(1s, [] {});
  REQUIRE_THROWS_AS(call.reset(torsion::Seconds{-0.5}), torsion::ValueError);
  REQUIRE_THROWS_AS(call.delay(torsion::Seconds{nan}), torsion::ValueError);
  REQUIRE(call.active());  // a rejected change leaves the call as it was
  REQUIRE(reactor.getDelayedCalls().size() == 1);
}

TEST_CASE("getDelayedCalls lists exactly the pending calls", "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  DelayedCall a = reactor.callLater(1s, [] {});
  DelayedCall b = reactor.callLater(2s, [] {});
  REQUIRE(reactor.getDelayedCalls().size() == 2);
  a.cancel();
  auto calls = reactor.getDelayedCalls();
  REQUIRE(calls.size() == 1);
  REQUIRE(calls[0].getTime() == b.getTime());
}

TEST_CASE("A DelayedCall handle outlives its reactor safely", "[reactor][delayed_call]") {
  DelayedCall survivor;
  auto token = std::make_shared<int>(1);
  {
    ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
    survivor = reactor.callLater(1s, [token] {});
    REQUIRE(token.use_count() == 2);
  }
  REQUIRE(token.use_count() == 1);  // the reactor dropped the pending function
  REQUIRE_FALSE(survivor.active());
  REQUIRE_THROWS_AS(survivor.cancel(), torsion::AlreadyCancelled);
}

TEST_CASE("Cancelling many calls keeps the queue bounded and the rest in order",
          "[reactor][delayed_call]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<DelayedCall> calls;
  std::vector<int> ran;
  for (int i = 0; i < 10000; ++i) {
    calls.push_back(
        reactor.callLater(torsion::Seconds{0.001 + i * 1e-6}, [&ran, i] { ran.push_back(i); }));
  }
  for (int i = 0; i < 10000; ++i) {
    if (i % 10 != 0) {
      calls[static_cast<std::size_t>(i)].cancel();
    }
  }
  // Resetting an idle timeout many times must not grow the queue without bound either.
  DelayedCall idle = reactor.callLater(5s, [] {});
  for (int i = 0; i < 100000; ++i) {
    idle.reset(5s);
  }
  idle.cancel();
  reactor.callLater(50ms, [&reactor] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(ran.size() == 1000);
  for (std::size_t i = 0; i < ran.size(); ++i) {
    REQUIRE(ran[i] == static_cast<int>(i * 10));
  }
}

TEST_CASE("An exception thrown by a timer is logged and the reactor keeps running",
          "[reactor][delayed_call]") {
  torsion::test::CapturedLog log;
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  bool later = false;
  reactor.callLater(0s, [] { throw std::runtime_error("timer exploded"); });
  reactor.callLater(5ms, [&] {
    later = true;
    reactor.stop();
  });
  torsion::test::runBounded(reactor);
  REQUIRE(later);
  REQUIRE(log.contains("callLater: timer exploded"));
}
