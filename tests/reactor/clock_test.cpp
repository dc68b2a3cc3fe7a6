#include <chrono>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/reactor/errors.hpp>

using namespace std::chrono_literals;
using torsion::Clock;
using torsion::DelayedCall;

TEST_CASE("Clock starts at zero and moves only when advanced", "[reactor][clock]") {
  Clock clock;
  REQUIRE(clock.seconds() == 0.0);
  bool ran = false;
  clock.callLater(1s, [&ran] { ran = true; });
  REQUIRE_FALSE(ran);
  clock.advance(999ms);
  REQUIRE_FALSE(ran);
  REQUIRE(clock.seconds() == Approx(0.999));
  clock.advance(1ms);
  REQUIRE(ran);
  REQUIRE(clock.seconds() == Approx(1.0));
}

TEST_CASE("Clock runs each call at its own deadline, not at the end of the advance",
          "[reactor][clock]") {
  Clock clock;
  std::vector<double> seenAt;
  clock.callLater(3s, [&] { seenAt.push_back(clock.seconds()); });
  clock.callLater(1s, [&] { seenAt.push_back(clock.seconds()); });
  clock.callLater(2s, [&] { seenAt.push_back(clock.seconds()); });
  clock.advance(10s);
  REQUIRE(seenAt == std::vector<double>{1.0, 2.0, 3.0});
  REQUIRE(clock.seconds() == 10.0);
}

TEST_CASE("Clock runs calls with equal deadlines in scheduling order", "[reactor][clock]") {
  Clock clock;
  std::string order;
  for (char c : std::string("qwerty")) {
    clock.callLater(5s, [&order, c] { order.push_back(c); });
  }
  clock.advance(5s);
  REQUIRE(order == "qwerty");
}

TEST_CASE("Clock runs calls scheduled during an advance that fall due inside it",
          "[reactor][clock]") {
  Clock clock;
  std::vector<double> ticks;
  // A 1-second periodic call, rescheduling itself, as LoopingCall does.
  std::function<void()> schedule = [&] {
    clock.callLater(1s, [&] {
      ticks.push_back(clock.seconds());
      schedule();
    });
  };
  schedule();
  clock.advance(3500ms);
  REQUIRE(ticks == std::vector<double>{1.0, 2.0, 3.0});
  REQUIRE(clock.getDelayedCalls().size() == 1);
  REQUIRE(clock.getDelayedCalls()[0].getTime() == 4.0);
}

TEST_CASE("A call that reschedules itself with zero delay cannot hang advance",
          "[reactor][clock]") {
  Clock clock;
  int runs = 0;
  std::function<void()> again = [&] {
    ++runs;
    clock.callLater(0s, again);
  };
  clock.callLater(0s, again);
  clock.advance(0s);
  REQUIRE(runs == 1);  // one step, one run; the next waits for the next step
  clock.advance(0s);
  REQUIRE(runs == 2);
  clock.callLater(2s, [] {});
  clock.advance(5s);  // steps at 0 s, 2 s and 5 s: one run each
  REQUIRE(runs == 5);
}

TEST_CASE("A zero-delay call made during a step runs in the next step, at its own time",
          "[reactor][clock]") {
  Clock clock;
  std::vector<std::string> log;
  clock.callLater(1s, [&] {
    log.emplace_back("a@" + std::to_string(clock.seconds()));
    clock.callLater(0s, [&] { log.emplace_back("b@" + std::to_string(clock.seconds())); });
  });
  clock.callLater(1s, [&] { log.emplace_back("c@" + std::to_string(clock.seconds())); });
  clock.callLater(2s, [&] { log.emplace_back("d@" + std::to_string(clock.seconds())); });
  clock.advance(3s);
  REQUIRE(log == std::vector<std::string>{"a@1.000000", "c@1.000000", "b@1.000000", "d@2.000000"});
}

TEST_CASE("advanceToNext jumps to the next deadline", "[reactor][clock]") {
  Clock clock;
  REQUIRE_FALSE(clock.advanceToNext());
  REQUIRE(clock.seconds() == 0.0);
  int runs = 0;
  clock.callLater(7s, [&runs] { ++runs; });
  clock.callLater(9s, [&runs] { ++runs; });
  REQUIRE(clock.advanceToNext());
  REQUIRE(clock.seconds() == 7.0);
  REQUIRE(runs == 1);
  REQUIRE(clock.advanceToNext());
  REQUIRE(clock.seconds() == 9.0);
  REQUIRE(runs == 2);
  REQUIRE_FALSE(clock.advanceToNext());
}

TEST_CASE("pump advances by each amount in turn", "[reactor][clock]") {
  Clock clock;
  std::vector<double> seen;
  for (int i = 1; i <= 4; ++i) {
    clock.callLater(torsion::Seconds{i}, [&] { seen.push_back(clock.seconds()); });
  }
  clock.pump({1s, 1s, 500ms});
  REQUIRE(seen == std::vector<double>{1.0, 2.0});
  REQUIRE(clock.seconds() == 2.5);
  clock.pump(std::vector<torsion::Seconds>{1s, 1s});
  REQUIRE(seen.size() == 4);
}

TEST_CASE("Clock's cancel, reset and delay behave exactly as the reactor's", "[reactor][clock]") {
  Clock clock;
  int runs = 0;
  DelayedCall call = clock.callLater(10s, [&runs] { ++runs; });
  call.reset(2s);
  REQUIRE(call.getTime() == 2.0);
  call.delay(1s);
  REQUIRE(call.getTime() == 3.0);
  clock.advance(2s);
  REQUIRE(runs == 0);
  clock.advance(1s);
  REQUIRE(runs == 1);
  REQUIRE_THROWS_AS(call.cancel(), torsion::AlreadyCalled);

  DelayedCall other = clock.callLater(1s, [&runs] { ++runs; });
  other.cancel();
  REQUIRE_THROWS_AS(other.cancel(), torsion::AlreadyCancelled);
  clock.advance(5s);
  REQUIRE(runs == 1);
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("Clock rejects negative and NaN amounts", "[reactor][clock]") {
  Clock clock;
  REQUIRE_THROWS_AS(clock.advance(torsion::Seconds{-1}), torsion::ValueError);
  REQUIRE_THROWS_AS(clock.advance(torsion::Seconds{std::numeric_limits<double>::quiet_NaN()}),
                    torsion::ValueError);
  REQUIRE_THROWS_AS(clock.callLater(torsion::Seconds{-1}, [] {}), torsion::ValueError);
  REQUIRE(clock.seconds() == 0.0);
}

TEST_CASE("An exception from a call reaches the test and leaves time at its deadline",
          "[reactor][clock]") {
  Clock clock;
  bool later = false;
  clock.callLater(1s, [] { throw std::runtime_error("boom"); });
  clock.callLater(2s, [&later] { later = true; });
  REQUIRE_THROWS_WITH(clock.advance(5s), "boom");
  REQUIRE(clock.seconds() == 1.0);
  REQUIRE_FALSE(later);
  clock.advance(4s);
  REQUIRE(later);
}
