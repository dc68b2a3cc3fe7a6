// White-box tests of the timer structure shared by the ReactorCore and the fake Clock.
#include "timer_queue.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/errors.hpp>
#include <torsion/reactor/ireactor_time.hpp>

namespace {

// A time source frozen at `now`, enough for TimerQueue::resetFromNow.
class FrozenTime final : public torsion::IReactorTime {
 public:
  double now = 100.0;

  [[nodiscard]] double seconds() const override { return now; }

  torsion::DelayedCall callLater(torsion::Seconds, torsion::UniqueFunction<void()>) override {
    return {};
  }

  [[nodiscard]] std::vector<torsion::DelayedCall> getDelayedCalls() const override { return {}; }
};

std::string runAllDue(torsion::detail::TimerQueue& queue, double now, std::string& log) {
  const auto limit = queue.nextSequence();
  while (auto fn = queue.popDue(now, limit)) {
    (*fn)();
  }
  return log;
}

}  // namespace

TEST_CASE("TimerQueue runs equal deadlines in scheduling order", "[reactor][timer_queue]") {
  FrozenTime time;
  auto queue = torsion::detail::TimerQueue::create(time);
  std::string log;
  for (char c : std::string("zyxwv")) {
    queue->add(5.0, [&log, c] { log.push_back(c); });
  }
  queue->add(4.0, [&log] { log.push_back('!'); });
  REQUIRE(runAllDue(*queue, 5.0, log) == "!zyxwv");
}

TEST_CASE("TimerQueue leaves calls scheduled during a turn for the next turn",
          "[reactor][timer_queue]") {
  FrozenTime time;
  auto queue = torsion::detail::TimerQueue::create(time);
  std::string log;
  torsion::detail::TimerQueue* q = queue.get();
  queue->add(1.0, [&log, q] {
    log.push_back('a');
    q->add(1.0, [&log] { log.push_back('b'); });  // zero delay, from inside a call
  });
  REQUIRE(runAllDue(*queue, 1.0, log) == "a");
  REQUIRE(runAllDue(*queue, 1.0, log) == "ab");
}

TEST_CASE("TimerQueue reports the earliest live deadline, skipping cancelled ones",
          "[reactor][timer_queue]") {
  FrozenTime time;
  auto queue = torsion::detail::TimerQueue::create(time);
  REQUIRE_FALSE(queue->nextDeadline().has_value());
  torsion::DelayedCall early = queue->add(1.0, [] {});
  torsion::DelayedCall late = queue->add(3.0, [] {});
  REQUIRE(queue->nextDeadline() == 1.0);
  early.cancel();
  REQUIRE(queue->nextDeadline() == 3.0);
  late.reset(torsion::Seconds{0.5});  // FrozenTime: now 100 -> 100.5
  REQUIRE(queue->nextDeadline() == 100.5);
  REQUIRE(queue->pendingCount() == 1);
}

TEST_CASE("TimerQueue reuses slots without confusing old handles", "[reactor][timer_queue]") {
  FrozenTime time;
  auto queue = torsion::detail::TimerQueue::create(time);
  std::string log;
  {
    torsion::DelayedCall first = queue->add(1.0, [&log] { log.push_back('1'); });
    first.cancel();
  }  // the slot is free again
  torsion::DelayedCall second = queue->add(1.0, [&log] { log.push_back('2'); });
  runAllDue(*queue, 1.0, log);
  REQUIRE(log == "2");
  REQUIRE(second.called());
  REQUIRE_THROWS_AS(second.cancel(), torsion::AlreadyCalled);
}

TEST_CASE("TimerQueue finds the earliest deadline strictly after a time",
          "[reactor][timer_queue]") {
  FrozenTime time;
  auto queue = torsion::detail::TimerQueue::create(time);
  for (double d : {5.0, 1.0, 3.0, 1.0, 9.0, 3.0, 7.0}) {
    queue->add(d, [] {});
  }
  torsion::DelayedCall cancelled = queue->add(2.0, [] {});
  cancelled.cancel();
  REQUIRE(queue->nextDeadlineAfter(0.0) == 1.0);
  REQUIRE(queue->nextDeadlineAfter(1.0) == 3.0);  // the cancelled 2.0 does not count
  REQUIRE(queue->nextDeadlineAfter(6.0) == 7.0);
  REQUIRE_FALSE(queue->nextDeadlineAfter(9.0).has_value());
}

TEST_CASE("TimerQueue keeps exact order when calls move later and earlier",
          "[reactor][timer_queue]") {
  FrozenTime time;
  time.now = 0.0;
  auto queue = torsion::detail::TimerQueue::create(time);
  std::string log;
  torsion::DelayedCall a = queue->add(1.0, [&log] { log.push_back('a'); });
  torsion::DelayedCall b = queue->add(2.0, [&log] { log.push_back('b'); });
  torsion::DelayedCall c = queue->add(3.0, [&log] { log.push_back('c'); });
  a.reset(torsion::Seconds{5.0});  // later: no new heap entry until it surfaces
  REQUIRE(queue->nextDeadline() == 2.0);
  REQUIRE(queue->nextDeadlineAfter(3.0) == 5.0);
  c.reset(torsion::Seconds{2.0});   // later by scheduling order: ties with b, runs after it
  b.delay(torsion::Seconds{-1.5});  // earlier
  REQUIRE(queue->nextDeadline() == 0.5);
  a.reset(torsion::Seconds{0.5});  // earlier again, tying with b: a was rescheduled last
  runAllDue(*queue, 10.0, log);
  REQUIRE(log == "bac");
  REQUIRE(queue->pendingCount() == 0);
}

TEST_CASE("TimerQueue::mayHaveDue is never false while a call is due", "[reactor][timer_queue]") {
  // The reactor skips popDue when mayHaveDue says no, so a false "no" would lose a call; a
  // false "yes" (a call moved later whose old entry is still on top) only costs a popDue.
  FrozenTime time;
  time.now = 0.0;
  auto queue = torsion::detail::TimerQueue::create(time);
  REQUIRE_FALSE(queue->mayHaveDue(1e9));  // nothing pending
  torsion::DelayedCall a = queue->add(1.0, [] {});
  REQUIRE_FALSE(queue->mayHaveDue(0.5));
  REQUIRE(queue->mayHaveDue(1.0));
  a.reset(torsion::Seconds{4.0});  // later: its entry keyed at 1.0 stays on top
  REQUIRE(queue->mayHaveDue(2.0));
  REQUIRE_FALSE(queue->popDue(2.0, queue->nextSequence()).has_value());
  REQUIRE_FALSE(queue->mayHaveDue(2.0));  // popDue re-filed it under 4.0
  REQUIRE(queue->mayHaveDue(4.0));
  a.cancel();
  REQUIRE_FALSE(queue->mayHaveDue(1e9));  // only a stale entry is left
  torsion::DelayedCall b = queue->add(3.0, [] {});
  b.delay(torsion::Seconds{-2.5});  // earlier: a new entry keyed at 0.5 goes on top
  REQUIRE(queue->mayHaveDue(0.5));
  REQUIRE(queue->popDue(0.5, queue->nextSequence()).has_value());
}
