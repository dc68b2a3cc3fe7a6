#include <chrono>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/application/timer_service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>

#include "../reactor/reactor_test_support.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::Clock;
using torsion::Deferred;
using torsion::TimerService;
using torsion::testing::successResultOf;

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("TimerService calls at once on start, then every interval", "[application][timer]") {
  torsion::testing::UnhandledFailureGuard guard;
  Clock clock;
  std::vector<double> calls;
  TimerService timer(clock, 10s, [&calls, &clock] { calls.push_back(clock.seconds()); });
  CHECK(calls.empty());  // nothing before start
  timer.startService();
  CHECK(timer.running());
  CHECK(calls == std::vector<double>{0.0});
  clock.advance(25s);
  CHECK(calls == std::vector<double>{0.0, 10.0, 20.0});

  Deferred<void> stopped = timer.stopService();
  successResultOf(stopped);
  CHECK_FALSE(timer.running());
  clock.advance(30s);
  CHECK(calls.size() == 3);  // no call after stop
  CHECK(clock.getDelayedCalls().empty());
}

TEST_CASE("TimerService's stop waits for a call in progress", "[application][timer]") {
  torsion::testing::UnhandledFailureGuard guard;
  Clock clock;
  int calls = 0;
  Deferred<void> inProgress;
  TimerService timer(clock, 5s, [&calls, &inProgress]() -> Deferred<void> {
    ++calls;
    return inProgress;
  });
  timer.startService();
  CHECK(calls == 1);
  clock.advance(20s);
  CHECK(calls == 1);  // the next call waits for the pending Deferred

  Deferred<void> stopped = timer.stopService();
  CHECK_FALSE(stopped.called());
  inProgress.callback();
  successResultOf(stopped);
  clock.advance(20s);
  CHECK(calls == 1);
}

TEST_CASE("TimerService logs a failing call, stops looping and still stops cleanly",
          "[application][timer]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::test::CapturedLog log;
  Clock clock;
  int calls = 0;
  TimerService timer(clock, 1s, [&calls] {
    if (++calls == 2) {
      throw std::runtime_error("disk full");
    }
  });
  timer.startService();
  clock.advance(5s);
  CHECK(calls == 2);
  CHECK_FALSE(timer.looping());
  CHECK(timer.running());  // as Twisted: running until stopped
  CHECK(log.contains("disk full"));
  Deferred<void> stopped = timer.stopService();
  successResultOf(stopped);
}

TEST_CASE("TimerService rejects a negative interval", "[application][timer]") {
  Clock clock;
  CHECK_THROWS_AS(TimerService(clock, -1s, [] {}), torsion::ValueError);
}

TEST_CASE("TimerService can be stopped before it started and restarted after",
          "[application][timer]") {
  torsion::testing::UnhandledFailureGuard guard;
  Clock clock;
  int calls = 0;
  TimerService timer(clock, 1s, [&calls] { ++calls; });
  Deferred<void> early = timer.stopService();
  successResultOf(early);
  timer.startService();
  Deferred<void> first = timer.stopService();
  successResultOf(first);
  timer.startService();
  CHECK(calls == 2);
  Deferred<void> second = timer.stopService();
  successResultOf(second);
}
