#include <chrono>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/reactor/looping_call.hpp>

#include "reactor_test_support.hpp"

using namespace std::chrono_literals;
using torsion::Clock;
using torsion::Deferred;
using torsion::LoopingCall;
using torsion::Seconds;

namespace {

// A Clock whose reading can jump ahead without running anything: what a reactor sees after it
// was blocked, or during a call that took a long time. Calls are kept on the inner Clock, so a
// call due at inner time t runs (late) when the test advances past t.
class JumpingClock final : public torsion::IReactorTime {
 public:
  [[nodiscard]] double seconds() const override { return inner.seconds() + skew_; }

  torsion::DelayedCall callLater(Seconds delay, torsion::UniqueFunction<void()> fn) override {
    return inner.callLater(delay, std::move(fn));
  }

  [[nodiscard]] std::vector<torsion::DelayedCall> getDelayedCalls() const override {
    return inner.getDelayedCalls();
  }

  void jump(Seconds amount) { skew_ += amount.count(); }

  Clock inner;

 private:
  double skew_ = 0;
};

struct TestError : std::runtime_error {
  TestError() : std::runtime_error("test error") {}
};

// Records whether a Deferred<void> succeeded or failed (and with what).
struct Result {
  bool succeeded = false;
  std::optional<torsion::Failure> failure;

  void watch(Deferred<void>& d) {
    d.addCallbacks([this] { succeeded = true; }, [this](torsion::Failure f) { failure = f; });
  }

  [[nodiscard]] bool fired() const { return succeeded || failure.has_value(); }
};

}  // namespace

TEST_CASE("LoopingCall calls at once and then once per interval until stopped",
          "[reactor][looping_call]") {
  Clock clock;
  std::vector<double> times;
  LoopingCall loop(clock, [&] { times.push_back(clock.seconds()); });
  Deferred<void> done = loop.start(100ms);
  Result result;
  result.watch(done);
  REQUIRE(loop.running());
  REQUIRE(loop.interval() == Seconds{0.1});

  clock.pump({50ms, 100ms, 100ms});
  REQUIRE(times.size() == 3);
  REQUIRE(times[0] == 0.0);
  REQUIRE(times[1] == Approx(0.1));
  REQUIRE(times[2] == Approx(0.2));

  REQUIRE_FALSE(result.fired());
  loop.stop();
  REQUIRE(result.succeeded);
  REQUIRE_FALSE(loop.running());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall with now=false waits one interval before the first call",
          "[reactor][looping_call]") {
  Clock clock;
  std::vector<double> times;
  LoopingCall loop(clock, [&] { times.push_back(clock.seconds()); });
  Deferred<void> done = loop.start(100ms, false);
  REQUIRE(times.empty());
  clock.pump({50ms, 100ms, 100ms});
  REQUIRE(times.size() == 2);
  REQUIRE(times[0] == Approx(0.1));
  REQUIRE(times[1] == Approx(0.2));
  loop.stop();
  REQUIRE(done.called());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall stopped before its first call never calls", "[reactor][looping_call]") {
  const Seconds interval = GENERATE(Seconds{0}, Seconds{10});
  Clock clock;
  int calls = 0;
  LoopingCall loop(clock, [&calls] { ++calls; });
  Deferred<void> done = loop.start(interval, false);
  loop.stop();
  REQUIRE(done.called());
  REQUIRE(clock.getDelayedCalls().empty());
  clock.advance(20s);
  REQUIRE(calls == 0);
}

TEST_CASE("LoopingCall rejects bad intervals and misuse with named errors",
          "[reactor][looping_call]") {
  Clock clock;
  LoopingCall loop(clock, [] {});
  REQUIRE_THROWS_AS(loop.start(-1s), torsion::ValueError);
  REQUIRE_THROWS_AS(loop.start(Seconds{std::numeric_limits<double>::quiet_NaN()}),
                    torsion::ValueError);
  REQUIRE_FALSE(loop.running());
  REQUIRE_THROWS_AS(loop.stop(), torsion::LoopingCallNotRunning);
  REQUIRE_THROWS_AS(loop.reset(), torsion::LoopingCallNotRunning);

  Deferred<void> done = loop.start(1s);
  REQUIRE_THROWS_AS(loop.start(1s), torsion::LoopingCallAlreadyRunning);
  loop.stop();
  REQUIRE_THROWS_AS(loop.stop(), torsion::LoopingCallNotRunning);
  REQUIRE(done.called());

  // Once stopped it can start again, with a new Deferred.
  Deferred<void> again = loop.start(2s);
  REQUIRE_FALSE(again.called());
  REQUIRE(loop.interval() == Seconds{2});
  loop.stop();
  REQUIRE(again.called());
}

TEST_CASE("LoopingCall reset restarts the interval from now", "[reactor][looping_call]") {
  Clock clock;
  std::vector<double> times;
  LoopingCall loop(clock, [&] { times.push_back(clock.seconds()); });
  Deferred<void> done = loop.start(2s, false);
  clock.advance(1s);
  loop.reset();
  clock.advance(1s);
  REQUIRE(times.empty());  // the call due at 2 was skipped
  clock.advance(1s);
  REQUIRE(times == std::vector<double>{3.0});
  clock.advance(2s);
  REQUIRE(times == std::vector<double>{3.0, 5.0});  // the grid now starts at 1
  loop.stop();
}

TEST_CASE("LoopingCall skips the intervals a late call missed and stays on the grid",
          "[reactor][looping_call]") {
  JumpingClock clock;
  std::vector<double> times;
  LoopingCall loop(clock, [&] { times.push_back(clock.seconds()); });
  Deferred<void> done = loop.start(1s, false);
  clock.inner.advance(1s);
  REQUIRE(times == std::vector<double>{1.0});

  clock.jump(2500ms);  // the reactor was blocked: the call due at 2 runs at 4.5
  clock.inner.advance(1s);
  REQUIRE(times == std::vector<double>{1.0, 4.5});  // one call, not a burst for 2, 3 and 4

  clock.inner.advance(500ms);  // the next grid point, 5
  REQUIRE(times == std::vector<double>{1.0, 4.5, 5.0});
  loop.stop();
}

TEST_CASE("LoopingCall withCount passes the number of intervals since the previous call",
          "[reactor][looping_call]") {
  JumpingClock clock;
  std::vector<std::pair<double, std::size_t>> calls;
  auto loop = LoopingCall::withCount(
      clock, [&](std::size_t count) { calls.emplace_back(clock.seconds(), count); });
  Deferred<void> done = loop.start(1s, false);
  clock.inner.advance(1s);
  clock.jump(2500ms);  // 3.5 intervals pass between the call at 1 and the next one
  clock.inner.advance(1s);
  clock.inner.advance(500ms);
  using Call = std::pair<double, std::size_t>;
  REQUIRE(calls == std::vector<Call>{{1.0, 1}, {4.5, 3}, {5.0, 1}});
  loop.stop();
}

TEST_CASE("LoopingCall withCount counts the first call as one when started now",
          "[reactor][looping_call]") {
  Clock clock;
  std::vector<std::size_t> counts;
  LoopingCall loop(clock, LoopingCall::kWithCount,
                   [&counts](std::size_t count) { counts.push_back(count); });
  Deferred<void> done = loop.start(500ms);
  clock.advance(500ms);
  clock.advance(500ms);
  REQUIRE(counts == std::vector<std::size_t>{1, 1, 1});
  loop.stop();
}

TEST_CASE("LoopingCall reschedules after a slow call for the next grid point in the future",
          "[reactor][looping_call]") {
  // Twisted's test_callbackTimeSkips: the call itself takes longer than the interval.
  JumpingClock clock;
  std::vector<double> times;
  Seconds duration{2};
  LoopingCall loop(clock, [&] {
    times.push_back(clock.seconds());
    clock.jump(duration);
  });
  Deferred<void> done = loop.start(500ms);
  REQUIRE(times == std::vector<double>{0.0});
  REQUIRE(clock.seconds() == 2.0);

  clock.inner.advance(0s);  // 2 is the present, not the future: skipped
  REQUIRE(times == std::vector<double>{0.0});

  duration = Seconds{1};
  clock.inner.advance(500ms);
  REQUIRE(times == std::vector<double>{0.0, 2.5});
  REQUIRE(clock.seconds() == 3.5);

  duration = Seconds{0};
  clock.inner.advance(500ms);
  REQUIRE(times == std::vector<double>{0.0, 2.5, 4.0});
  loop.stop();
}

TEST_CASE("LoopingCall withCount never passes 0 and its counts sum to the elapsed intervals",
          "[reactor][looping_call]") {
  // Twisted's test_withCountFloatingPointBoundary: 0.1 is not exact in binary.
  Clock clock;
  std::vector<std::size_t> counts;
  auto loop =
      LoopingCall::withCount(clock, [&counts](std::size_t count) { counts.push_back(count); });
  constexpr int kCount = 10;
  const double interval = 1.0 / kCount;
  Deferred<void> done = loop.start(Seconds{interval}, false);
  for (int i = 0; i < kCount; ++i) {
    clock.advance(Seconds{interval});
  }
  double sum = 0;
  for (int i = 0; i < kCount; ++i) {
    sum += interval;
  }
  const double epsilon = 1.0 - sum;
  REQUIRE(std::abs(epsilon) > 0.0);  // the case is only interesting if rounding happens
  clock.advance(Seconds{std::max(epsilon, 0.0)});
  REQUIRE(clock.seconds() >= 1.0);
  REQUIRE(std::accumulate(counts.begin(), counts.end(), std::size_t{0}) == kCount);
  REQUIRE(std::find(counts.begin(), counts.end(), 0) == counts.end());
  loop.stop();
}

TEST_CASE("LoopingCall stops itself from inside its function", "[reactor][looping_call]") {
  Clock clock;
  int calls = 0;
  std::optional<LoopingCall> loop;
  loop.emplace(clock, [&] {
    if (++calls == 3) {
      loop->stop();
    }
  });
  Deferred<void> done = loop->start(1s);
  Result result;
  result.watch(done);
  clock.advance(10s);
  REQUIRE(calls == 3);
  REQUIRE(result.succeeded);
  REQUIRE_FALSE(loop->running());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall stops and errbacks the start Deferred when its function throws",
          "[reactor][looping_call]") {
  const bool stopFirst = GENERATE(false, true);  // Twisted's testFailAndStop
  Clock clock;
  int calls = 0;
  std::optional<LoopingCall> loop;
  loop.emplace(clock, [&] {
    if (++calls == 2) {
      if (stopFirst) {
        loop->stop();
      }
      throw TestError();
    }
  });
  Deferred<void> done = loop->start(1s);
  Result result;
  result.watch(done);
  clock.advance(10s);
  REQUIRE(calls == 2);
  REQUIRE(result.failure);
  REQUIRE(result.failure->check<TestError>());
  REQUIRE_FALSE(loop->running());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall whose first call throws returns an already failed Deferred",
          "[reactor][looping_call]") {
  Clock clock;
  LoopingCall loop(clock, []() -> void { throw TestError(); });
  Deferred<void> done = loop.start(1s);
  Result result;
  result.watch(done);
  REQUIRE(result.failure);
  REQUIRE_FALSE(loop.running());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall propagates the failure of a Deferred its function returned",
          "[reactor][looping_call]") {
  // Twisted's testFailurePropagation.
  Clock clock;
  LoopingCall loop(clock, [&clock] {
    Deferred<void> d;
    clock.callLater(300ms, [d]() mutable { d.errback(TestError()); });
    return d;
  });
  Deferred<void> done = loop.start(1s);
  Result result;
  result.watch(done);
  REQUIRE_FALSE(result.fired());
  clock.advance(300ms);
  REQUIRE(result.failure);
  REQUIRE(result.failure->check<TestError>());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall waits for a returned Deferred, then resumes on the grid",
          "[reactor][looping_call]") {
  Clock clock;
  std::vector<double> times;
  // A Deferred<int>: the loop ignores the value, as Twisted ignores the result.
  LoopingCall loop(clock, [&] {
    times.push_back(clock.seconds());
    Deferred<int> d;
    clock.callLater(1s, [d]() mutable { d.callback(7); });
    return d;
  });
  Deferred<void> done = loop.start(250ms);
  clock.advance(999ms);
  REQUIRE(times == std::vector<double>{0.0});  // no call while the first one's Deferred waits
  clock.advance(1ms);                          // it fires at 1.0; next grid point: 1.25
  REQUIRE(times == std::vector<double>{0.0});
  clock.advance(250ms);
  REQUIRE(times == std::vector<double>{0.0, 1.25});
  loop.stop();
  REQUIRE_FALSE(done.called());  // stopped while waiting: fires when that Deferred does
  REQUIRE_THROWS_AS(loop.start(1s), torsion::LoopingCallAlreadyRunning);
  clock.advance(1s);
  REQUIRE(done.called());
  REQUIRE(times.size() == 2);
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall withCount counts the intervals a pending Deferred made it miss",
          "[reactor][looping_call]") {
  // Twisted's test_deferredWithCount.
  Clock clock;
  Deferred<void> first;
  std::vector<std::size_t> counts;
  auto loop = LoopingCall::withCount(clock, [&](std::size_t count) {
    counts.push_back(count);
    return counts.size() == 1 ? first : torsion::succeed();
  });
  Deferred<void> done = loop.start(250ms, false);
  clock.pump({250ms, 500ms});
  REQUIRE(counts == std::vector<std::size_t>{1});
  first.callback();  // at 0.75
  clock.advance(250ms);
  REQUIRE(counts == std::vector<std::size_t>{1, 3});  // missed 0.5 and 0.75
  loop.stop();
}

TEST_CASE("LoopingCall with interval 0 runs once per Clock step without hanging advance",
          "[reactor][looping_call]") {
  Clock clock;
  int calls = 0;
  std::optional<LoopingCall> loop;
  loop.emplace(clock, [&] {
    if (++calls == 6) {
      loop->stop();
    }
  });
  Deferred<void> done = loop->start(0s);
  REQUIRE(calls == 1);
  clock.advance(0s);
  REQUIRE(calls == 2);  // one call per step: advance(0) is a single step
  clock.advance(0s);
  REQUIRE(calls == 3);
  for (int i = 0; i < 10 && !done.called(); ++i) {
    clock.advance(0s);
  }
  REQUIRE(calls == 6);
  REQUIRE(done.called());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("LoopingCall withCount with interval 0 always passes 1", "[reactor][looping_call]") {
  Clock clock;
  std::vector<std::size_t> counts;
  auto loop =
      LoopingCall::withCount(clock, [&counts](std::size_t count) { counts.push_back(count); });
  Deferred<void> done = loop.start(0s, false);
  clock.advance(0s);
  clock.advance(5s);  // time moves, but interval 0 has no grid to count
  clock.advance(0s);
  REQUIRE(counts.size() >= 3);
  REQUIRE(std::all_of(counts.begin(), counts.end(), [](std::size_t c) { return c == 1; }));
  loop.stop();
}

TEST_CASE("Destroying a running LoopingCall cancels its call and fires the start Deferred",
          "[reactor][looping_call]") {
  Clock clock;
  int calls = 0;
  Result result;
  {
    LoopingCall loop(clock, [&calls] { ++calls; });
    Deferred<void> done = loop.start(1s);
    result.watch(done);
    REQUIRE(clock.getDelayedCalls().size() == 1);
  }
  REQUIRE(result.succeeded);
  REQUIRE(clock.getDelayedCalls().empty());
  clock.advance(5s);
  REQUIRE(calls == 1);
}

TEST_CASE("A Deferred that fails after its LoopingCall died is reported, not lost",
          "[reactor][looping_call]") {
  Clock clock;
  Result result;
  torsion::test::CapturedLog log;
  {
    Deferred<void> pending;
    {
      LoopingCall loop(clock, [&pending] { return pending; });
      Deferred<void> done = loop.start(1s);
      result.watch(done);
    }
    REQUIRE(result.succeeded);
    // The loop's callback must not touch the dead LoopingCall (ASan checks); the failure passes
    // through it to the end of the chain, where nobody handles it.
    pending.errback(TestError());
  }
  REQUIRE(log.contains("Unhandled error"));
  REQUIRE(log.contains("test error"));
}

TEST_CASE("A callback on the start Deferred may destroy the LoopingCall",
          "[reactor][looping_call]") {
  Clock clock;
  int calls = 0;
  auto loop = std::make_unique<LoopingCall>(clock, [&calls] {
    if (++calls == 2) {
      throw TestError();
    }
  });
  Deferred<void> done = loop->start(1s);
  done.addErrback([&loop](const torsion::Failure& f) {
    f.trap<TestError>();
    loop.reset();
  });
  clock.advance(1s);
  REQUIRE(loop == nullptr);
  REQUIRE(calls == 2);
  REQUIRE(clock.getDelayedCalls().empty());
}
