#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/log_publisher.hpp>

using torsion::Deferred;
using torsion::Failure;

namespace {

// Collects what torsion.deferred reports about unhandled failures.
struct UnhandledRecorder final : torsion::ILogObserver {
  std::vector<torsion::LogEvent> events;

  void observe(const torsion::LogEvent& event) override {
    if (event.logNamespace == "torsion.deferred") {
      events.push_back(event);
    }
  }

  [[nodiscard]] std::string field(std::size_t i, const std::string& key) const {
    for (const auto& f : events.at(i).fields) {
      if (f.key == key) {
        return f.value;
      }
    }
    return "";
  }
};

}  // namespace

TEST_CASE(
    "An unhandled failure is logged once, with its message and where the Deferred was "
    "created, when the last handle goes",
    "[deferred][unhandled]") {
  UnhandledRecorder recorder;
  torsion::ScopedLogObserver scope(torsion::globalLogPublisher(), recorder);
  const int line = __LINE__ + 2;
  {
    Deferred<int> d;
    Deferred<int> copy = d;
    d.errback(std::runtime_error("nobody listened"));
    CHECK(recorder.events.empty());  // handles still alive
  }
  REQUIRE(recorder.events.size() == 1);
  const torsion::LogEvent& event = recorder.events[0];
  CHECK(event.level == torsion::LogLevel::kError);
  CHECK(event.message.find("nobody listened") != std::string::npos);
  CHECK(event.message.find("std::runtime_error") != std::string::npos);
  CHECK(event.message.find("unhandled_test.cpp:" + std::to_string(line)) != std::string::npos);
  CHECK(recorder.field(0, "unhandled") == "true");
  CHECK(recorder.field(0, "exception") == "std::runtime_error");
  CHECK(recorder.field(0, "origin").find("unhandled_test.cpp:" + std::to_string(line)) !=
        std::string::npos);
}

TEST_CASE("A failure handled by an errback is not logged", "[deferred][unhandled]") {
  UnhandledRecorder recorder;
  torsion::ScopedLogObserver scope(torsion::globalLogPublisher(), recorder);
  {
    Deferred<int> d;
    d.addErrback([](const Failure&) { return 0; });
    d.errback(std::runtime_error("handled"));
  }
  CHECK(recorder.events.empty());
}

TEST_CASE("A failure that a callback raised at the end of the chain is logged",
          "[deferred][unhandled]") {
  UnhandledRecorder recorder;
  torsion::ScopedLogObserver scope(torsion::globalLogPublisher(), recorder);
  {
    torsion::succeed(1).addCallback([](int) -> int { throw std::logic_error("late bug"); });
  }
  REQUIRE(recorder.events.size() == 1);
  CHECK(recorder.events[0].message.find("late bug") != std::string::npos);
}

TEST_CASE("A failure passed to a waiting outer chain is the outer chain's to handle",
          "[deferred][unhandled]") {
  UnhandledRecorder recorder;
  torsion::ScopedLogObserver scope(torsion::globalLogPublisher(), recorder);
  {
    Deferred<int> inner;
    Deferred<int> outer = torsion::succeed(0);
    outer.addCallback([inner](int) { return inner; }).addErrback([](const Failure&) { return 1; });
    inner.errback(std::runtime_error("handled by the outer chain"));
  }
  CHECK(recorder.events.empty());
  {
    Deferred<int> inner;
    Deferred<int> outer = torsion::succeed(0);
    outer.addCallback([inner](int) { return inner; });
    inner.errback(std::runtime_error("outer did not handle it"));
  }
  REQUIRE(recorder.events.size() == 1);  // logged once, for the outer chain only
}

TEST_CASE("A Deferred that never fired is freed silently", "[deferred][unhandled]") {
  UnhandledRecorder recorder;
  torsion::ScopedLogObserver scope(torsion::globalLogPublisher(), recorder);
  {
    Deferred<int> d;
    d.addCallback([](int x) { return x; });
  }
  CHECK(recorder.events.empty());
}

namespace {

Deferred<int> failingCoroutine() {
  co_await torsion::succeed();
  throw std::runtime_error("coroutine failure");
}

}  // namespace

TEST_CASE("An unhandled failure of a coroutine's Deferred names the coroutine",
          "[deferred][unhandled]") {
  UnhandledRecorder recorder;
  torsion::ScopedLogObserver scope(torsion::globalLogPublisher(), recorder);
  { Deferred<int> d = failingCoroutine(); }
  REQUIRE(recorder.events.size() == 1);
  CHECK(recorder.events[0].message.find("coroutine failure") != std::string::npos);
  CHECK(recorder.events[0].message.find("failingCoroutine") != std::string::npos);
}
