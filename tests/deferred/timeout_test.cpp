#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/unique_function.hpp>

using torsion::Deferred;
using torsion::Failure;

namespace {

// The smallest time source addTimeout accepts: callLater returning a handle with cancel() and
// active(), advanced by hand (Twisted's task.Clock in miniature).
class FakeClock {
 public:
  struct Call {
    double when = 0;
    torsion::UniqueFunction<void()> fn;
    bool done = false;
  };

  class Handle {
   public:
    explicit Handle(std::shared_ptr<Call> call) : call_(std::move(call)) {}

    [[nodiscard]] bool active() const { return !call_->done; }

    void cancel() {
      if (call_->done) {
        throw std::logic_error("cancel of an inactive call");
      }
      call_->done = true;
      call_->fn = nullptr;  // drop what it captured, as a real clock does
    }

   private:
    std::shared_ptr<Call> call_;
  };

  Handle callLater(std::chrono::duration<double> delay, torsion::UniqueFunction<void()> fn) {
    auto call = std::make_shared<Call>();
    call->when = now_ + delay.count();
    call->fn = std::move(fn);
    calls_.push_back(call);
    return Handle(call);
  }

  void advance(double seconds) {
    now_ += seconds;
    std::vector<std::shared_ptr<Call>> due;
    for (const auto& call : calls_) {
      if (!call->done && call->when <= now_) {
        due.push_back(call);
      }
    }
    for (const auto& call : due) {
      if (!call->done) {
        call->done = true;
        torsion::UniqueFunction<void()> fn = std::move(call->fn);
        fn();
      }
    }
    std::erase_if(calls_, [](const auto& call) { return call->done; });
  }

  [[nodiscard]] std::size_t pending() const {
    return static_cast<std::size_t>(
        std::count_if(calls_.begin(), calls_.end(), [](const auto& c) { return !c->done; }));
  }

 private:
  double now_ = 0;
  std::vector<std::shared_ptr<Call>> calls_;
};

}  // namespace

TEST_CASE("addTimeout fails the Deferred with TimeoutError when the deadline passes",
          "[deferred][timeout]") {
  FakeClock clock;
  Deferred<int> d;
  d.addTimeout(std::chrono::seconds(5), clock);
  std::string what;
  double timeout = 0;
  d.addErrback([&what, &timeout](Failure f) {
    f.trap<torsion::TimeoutError>();
    what = f.what();
    const auto* error = f.value<torsion::TimeoutError>();
    REQUIRE(error != nullptr);
    timeout = error->timeout().count();
    return 0;
  });
  clock.advance(4.9);
  CHECK(what.empty());
  clock.advance(0.2);
  CHECK(what == "Deferred timed out after 5 seconds");
  CHECK(timeout == 5);
  CHECK(clock.pending() == 0);
}

TEST_CASE("A Deferred that fires before its deadline cancels the pending timeout call",
          "[deferred][timeout]") {
  FakeClock clock;
  Deferred<std::string> d;
  d.addTimeout(std::chrono::milliseconds(100), clock);
  CHECK(clock.pending() == 1);
  d.callback("in time");
  CHECK(clock.pending() == 0);
  std::string result;
  d.addCallback([&result](std::string s) {
    result = s;
    return s;
  });
  CHECK(result == "in time");
  clock.advance(1);
  CHECK(result == "in time");
}

TEST_CASE("addTimeout on an already fired Deferred cancels its call at once",
          "[deferred][timeout]") {
  FakeClock clock;
  Deferred<void> d = torsion::succeed();
  d.addTimeout(std::chrono::seconds(1), clock);
  CHECK(clock.pending() == 0);
}

TEST_CASE("addTimeout uses the canceller, whose result wins if it fires the Deferred",
          "[deferred][timeout]") {
  FakeClock clock;
  Deferred<int> d([](Deferred<int>& self) { self.callback(-1); });
  d.addTimeout(std::chrono::seconds(1), clock);
  int result = 0;
  d.addCallback([&result](int x) {
    result = x;
    return x;
  });
  clock.advance(1);
  CHECK(result == -1);
}

TEST_CASE("A failure that is not the timeout's cancellation passes through addTimeout unchanged",
          "[deferred][timeout]") {
  FakeClock clock;
  Deferred<int> d;
  d.addTimeout(std::chrono::seconds(1), clock);
  std::string type;
  d.addErrback([&type](Failure f) {
    type = f.typeName();
    return 0;
  });
  d.cancel();  // cancelled by someone else, before the deadline: stays a CancelledError
  CHECK(type == "torsion::CancelledError");
  CHECK(clock.pending() == 0);
}

TEST_CASE("addTimeout's onTimeoutCancel replaces the default conversion", "[deferred][timeout]") {
  FakeClock clock;
  Deferred<void> d;
  d.addTimeout(std::chrono::seconds(2), clock,
               [](const Failure&, std::chrono::duration<double> t) -> Failure {
                 return Failure(std::runtime_error("gave up after " + std::to_string(t.count())));
               });
  std::string what;
  d.addErrback([&what](Failure f) { what = f.what(); });
  clock.advance(2);
  CHECK(what.rfind("gave up after 2", 0) == 0);
}

TEST_CASE(
    "The timeout covers callbacks added before addTimeout: cancelling reaches an inner "
    "Deferred",
    "[deferred][timeout]") {
  FakeClock clock;
  int innerCancelled = 0;
  Deferred<int> inner([&innerCancelled](Deferred<int>&) { ++innerCancelled; });
  Deferred<int> d = torsion::succeed(0);
  d.addCallback([inner](int) { return inner; });
  d.addTimeout(std::chrono::seconds(3), clock);
  bool timedOut = false;
  d.addErrback([&timedOut](Failure f) {
    timedOut = f.check<torsion::TimeoutError>().has_value();
    return 0;
  });
  clock.advance(3);
  CHECK(innerCancelled == 1);
  CHECK(timedOut);
}
