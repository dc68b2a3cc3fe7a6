#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/reactor/cooperator.hpp>
#include <torsion/reactor/reactor_core.hpp>

#include "reactor_test_support.hpp"

using namespace std::chrono_literals;
using torsion::Clock;
using torsion::CooperativeTask;
using torsion::Cooperator;
using torsion::Deferred;
using torsion::UniqueFunction;

namespace {

struct TestError : std::runtime_error {
  TestError() : std::runtime_error("step broke") {}
};

// Records how a Deferred<void> ended.
struct Result {
  bool succeeded = false;
  std::optional<torsion::Failure> failure;

  void watch(Deferred<void> d) {
    d.addCallbacks([this] { succeeded = true; }, [this](torsion::Failure f) { failure = f; });
  }

  [[nodiscard]] bool fired() const { return succeeded || failure.has_value(); }

  template <class E>
  [[nodiscard]] bool failedWith() const {
    return failure && failure->check<E>().has_value();
  }
};

// A task of `steps` steps that appends `name` to `log` at each one.
UniqueFunction<bool()> counter(std::string& log, char name, int steps) {
  return [&log, name, left = steps]() mutable {
    log.push_back(name);
    return --left > 0;
  };
}

}  // namespace

TEST_CASE("Cooperator runs no step inside cooperate; the first slice runs on a later step",
          "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock);
  std::string log;
  CooperativeTask task = cooperator.cooperate(counter(log, 'a', 3));
  REQUIRE(log.empty());
  clock.advance(0s);
  REQUIRE(log == "aaa");
}

TEST_CASE("Cooperator interleaves tasks round-robin, one slice per reactor turn",
          "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock, 10ms, 4);
  std::string log;
  Result a;
  Result b;
  a.watch(cooperator.coiterate(counter(log, 'a', 6)));
  b.watch(cooperator.coiterate(counter(log, 'b', 3)));
  clock.advance(0s);
  REQUIRE(log == "abab");  // the step limit ends the slice: the fake clock does not move
  clock.advance(0s);
  REQUIRE(log == "abababaa");  // b finished: a alone fills the rest of the slice
  REQUIRE(b.succeeded);
  REQUIRE_FALSE(a.fired());
  clock.advance(0s);
  REQUIRE(log == "abababaaa");
  REQUIRE(a.succeeded);
  REQUIRE(clock.getDelayedCalls().empty());  // nothing left to do: nothing scheduled
}

TEST_CASE("Cooperator ends a slice when its time is used up", "[reactor][cooperator]") {
  // A clock whose time moves 4 ms per step: a 10 ms slice holds three steps.
  class SteppingClock final : public torsion::IReactorTime {
   public:
    [[nodiscard]] double seconds() const override { return inner.seconds() + skew; }

    torsion::DelayedCall callLater(torsion::Seconds delay, UniqueFunction<void()> fn) override {
      return inner.callLater(delay, std::move(fn));
    }

    [[nodiscard]] std::vector<torsion::DelayedCall> getDelayedCalls() const override {
      return inner.getDelayedCalls();
    }

    Clock inner;
    double skew = 0;
  } clock;

  Cooperator cooperator(clock, 10ms, 1000);
  int steps = 0;
  CooperativeTask task = cooperator.cooperate([&] {
    clock.skew += 0.004;
    return ++steps < 100;
  });
  clock.inner.advance(0s);
  REQUIRE(steps == 3);
  clock.inner.advance(0s);
  REQUIRE(steps == 6);
  task.stop();
}

TEST_CASE("An endless task does not hang the fake Clock", "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock, 10ms, 100);
  long steps = 0;
  CooperativeTask task = cooperator.cooperate([&steps] {
    ++steps;
    return true;
  });
  clock.advance(1s);  // a slice per Clock step: this advance has two
  REQUIRE(steps == 200);
  task.stop();
}

TEST_CASE("whenDone fires when the task finishes, and at once for a finished task",
          "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock);
  std::string log;
  CooperativeTask task = cooperator.cooperate(counter(log, 'x', 2));
  Result early;
  early.watch(task.whenDone());
  clock.advance(0s);
  REQUIRE(early.succeeded);
  Result late;
  late.watch(task.whenDone());
  REQUIRE(late.succeeded);
  REQUIRE_THROWS_AS(task.pause(), torsion::TaskDone);
  REQUIRE_THROWS_AS(task.stop(), torsion::TaskDone);
}

TEST_CASE("A step that throws fails the task; the other tasks go on", "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock);
  std::string log;
  int calls = 0;
  CooperativeTask bad = cooperator.cooperate([&calls]() -> bool {
    if (++calls == 2) {
      throw TestError();
    }
    return true;
  });
  Result badResult;
  badResult.watch(bad.whenDone());
  Result good;
  good.watch(cooperator.coiterate(counter(log, 'g', 5)));
  clock.advance(0s);
  REQUIRE(badResult.failedWith<TestError>());
  REQUIRE(calls == 2);
  REQUIRE(good.succeeded);
  REQUIRE(log == "ggggg");
  REQUIRE_THROWS_AS(bad.pause(), torsion::TaskFailed);
  Result after;
  after.watch(bad.whenDone());
  REQUIRE(after.failedWith<TestError>());
}

TEST_CASE("stop ends a task with TaskStopped, and a second stop throws it",
          "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock, 10ms, 2);
  std::string log;
  CooperativeTask task = cooperator.cooperate(counter(log, 's', 10));
  Result result;
  result.watch(task.whenDone());
  clock.advance(0s);
  REQUIRE(log == "ss");
  task.stop();
  REQUIRE(result.failedWith<torsion::TaskStopped>());
  REQUIRE_THROWS_AS(task.stop(), torsion::TaskStopped);
  REQUIRE_THROWS_AS(task.pause(), torsion::TaskStopped);
  REQUIRE(clock.getDelayedCalls().empty());
  clock.advance(1s);
  REQUIRE(log == "ss");
}

TEST_CASE("A task stopped from inside its own step takes no further step",
          "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock);
  int steps = 0;
  std::optional<CooperativeTask> task;
  task = cooperator.cooperate([&] {
    if (++steps == 3) {
      task->stop();
    }
    return true;
  });
  Result result;
  result.watch(task->whenDone());
  clock.advance(1s);
  REQUIRE(steps == 3);
  REQUIRE(result.failedWith<torsion::TaskStopped>());
}

TEST_CASE("pause and resume are counted; resume without pause throws NotPaused",
          "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock, 10ms, 2);
  std::string log;
  CooperativeTask p = cooperator.cooperate(counter(log, 'p', 100));
  CooperativeTask q = cooperator.cooperate(counter(log, 'q', 100));
  REQUIRE_THROWS_AS(p.resume(), torsion::NotPaused);
  p.pause();
  p.pause();
  clock.advance(0s);
  REQUIRE(log == "qq");
  p.resume();
  clock.advance(0s);
  REQUIRE(log == "qqqq");  // still paused once
  p.resume();
  clock.advance(0s);
  REQUIRE(log.substr(4) == "pq");
  REQUIRE_THROWS_AS(p.resume(), torsion::NotPaused);

  // With every task paused, nothing stays scheduled.
  p.pause();
  q.pause();
  REQUIRE(clock.getDelayedCalls().empty());
  p.stop();
  q.stop();
}

TEST_CASE("Cooperator stop fails every unfinished task with SchedulerStopped",
          "[reactor][cooperator]") {
  Clock clock;
  Cooperator cooperator(clock);
  std::string log;
  CooperativeTask running = cooperator.cooperate(counter(log, 'r', 100000));
  CooperativeTask paused = cooperator.cooperate(counter(log, 'p', 100000));
  paused.pause();
  Result r;
  Result p;
  r.watch(running.whenDone());
  p.watch(paused.whenDone());
  cooperator.stop();
  REQUIRE_FALSE(cooperator.running());
  REQUIRE(r.failedWith<torsion::SchedulerStopped>());
  REQUIRE(p.failedWith<torsion::SchedulerStopped>());
  REQUIRE_THROWS_AS(running.stop(), torsion::SchedulerStopped);
  REQUIRE(clock.getDelayedCalls().empty());

  // A stopped Cooperator finishes new tasks at once, until started again.
  Result rejected;
  rejected.watch(cooperator.coiterate(counter(log, 'n', 1)));
  REQUIRE(rejected.failedWith<torsion::SchedulerStopped>());
  cooperator.start();
  Result accepted;
  accepted.watch(cooperator.coiterate(counter(log, 'n', 1)));
  clock.advance(0s);
  REQUIRE(accepted.succeeded);
}

TEST_CASE("Destroying a Cooperator stops its tasks; their handles stay usable",
          "[reactor][cooperator]") {
  Clock clock;
  std::string log;
  Result result;
  std::optional<CooperativeTask> task;
  {
    Cooperator cooperator(clock);
    task = cooperator.cooperate(counter(log, 'd', 100));
    result.watch(task->whenDone());
  }
  REQUIRE(result.failedWith<torsion::SchedulerStopped>());
  REQUIRE(clock.getDelayedCalls().empty());
  REQUIRE_THROWS_AS(task->pause(), torsion::SchedulerStopped);
  clock.advance(1s);
  REQUIRE(log.empty());
}

TEST_CASE("Steps and whenDone callbacks may add and stop tasks", "[reactor][cooperator]") {
  // Twisted's testCallbackReCoiterate, plus a step that stops another task.
  Clock clock;
  Cooperator cooperator(clock, 10ms, 3);
  std::string log;
  std::optional<CooperativeTask> victim = cooperator.cooperate(counter(log, 'v', 1000));
  Result victimResult;
  victimResult.watch(victim->whenDone());
  int adderSteps = 0;
  Result second;
  Deferred<void> first = cooperator.coiterate([&] {
    ++adderSteps;
    log.push_back('a');
    if (adderSteps == 2) {
      victim->stop();
    }
    return adderSteps < 3;
  });
  first.addCallback([&] { second.watch(cooperator.coiterate(counter(log, 'c', 2))); });
  for (int turn = 0; turn < 5; ++turn) {
    clock.advance(0s);  // one slice per turn
  }
  REQUIRE(victimResult.failedWith<torsion::TaskStopped>());
  REQUIRE(second.succeeded);
  // Slices of 3: v a v | a (stops v) a (ends; its callback adds c) c | c
  REQUIRE(log == "vavaacc");
}

TEST_CASE("Cooperator rejects a bad configuration and an empty step", "[reactor][cooperator]") {
  Clock clock;
  REQUIRE_THROWS_AS(Cooperator(clock, -1ms), torsion::ValueError);
  REQUIRE_THROWS_AS(Cooperator(clock, 10ms, 0), torsion::ValueError);
  Cooperator cooperator(clock);
  REQUIRE_THROWS_AS(cooperator.cooperate(nullptr), torsion::ValueError);
}

namespace {

// A non-blocking pipe that closes itself.
struct Pipe {
  std::array<int, 2> fds{-1, -1};

  Pipe() { REQUIRE(::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) == 0); }

  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }

  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  Pipe(Pipe&&) = delete;
  Pipe& operator=(Pipe&&) = delete;
};

// Notes how many steps the long task had run when the pipe became readable.
struct StepCountingReader final : torsion::IReadDescriptor {
  int fd = -1;
  const long* steps = nullptr;
  std::optional<long> stepsAtRead;

  [[nodiscard]] int fileno() const override { return fd; }

  void doRead() override {
    std::array<char, 16> buf{};
    while (::read(fd, buf.data(), buf.size()) > 0) {
    }
    if (!stepsAtRead) {
      stepsAtRead = *steps;
    }
  }
};

}  // namespace

TEST_CASE("A long coiterate task does not starve I/O on a real reactor", "[reactor][cooperator]") {
  torsion::ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  constexpr long kSteps = 1'000'000;
  constexpr std::size_t kMaxSteps = 1000;
  Cooperator cooperator(reactor, 10ms, kMaxSteps);
  Pipe pipe;
  long steps = 0;
  StepCountingReader reader;
  reader.fd = pipe.fds[0];
  reader.steps = &steps;
  reactor.addReader(reader);
  Result result;
  reactor.callWhenRunning([&] {
    Deferred<void> done = cooperator.coiterate([&] {
      if (++steps == 1) {
        // The pipe turns readable during the first slice.
        REQUIRE(::write(pipe.fds[1], "x", 1) == 1);
      }
      return steps < kSteps;
    });
    result.watch(done);
    done.addBoth([&reactor](const torsion::Outcome<void>&) { reactor.stop(); });
  });
  torsion::test::runBounded(reactor, 60s);
  reactor.removeReader(reader);
  REQUIRE(result.succeeded);
  REQUIRE(steps == kSteps);
  REQUIRE(reader.stepsAtRead.has_value());
  // Serviced right after the first slice, long before the task ended.
  REQUIRE(*reader.stepsAtRead >= 1);
  REQUIRE(*reader.stepsAtRead <= static_cast<long>(kMaxSteps));
}
