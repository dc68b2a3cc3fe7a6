#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/failure.hpp>

using torsion::Deferred;
using torsion::Failure;

namespace {

// Coroutines are named functions taking parameters by value (STYLE.md rule 17).

Deferred<int> addOne(Deferred<int> input) {
  int x = co_await std::move(input);
  co_return x + 1;
}

Deferred<std::string> describe(Deferred<int> a, Deferred<int> b) {
  int first = co_await std::move(a);
  int second = co_await std::move(b);
  co_return std::to_string(first) + "+" + std::to_string(second);
}

Deferred<int> throwsAfter(Deferred<void> input) {
  co_await std::move(input);
  throw std::runtime_error("thrown inside the coroutine");
}

Deferred<std::string> catchesFailure(Deferred<int> input) {
  try {
    co_await std::move(input);
    co_return "no failure";
  } catch (const std::runtime_error& e) {
    co_return std::string("caught ") + e.what();
  }
}

Deferred<std::string> catchesCancel(Deferred<int> input, std::vector<std::string>* log) {
  try {
    co_await std::move(input);
    log->push_back("not cancelled");
  } catch (const torsion::CancelledError&) {
    log->push_back("CancelledError at co_await");
  }
  co_return "finished";
}

Deferred<void> voidCoroutine(Deferred<void> input, int* counter) {
  co_await std::move(input);
  ++*counter;
}

Deferred<int> awaitsMany(int n) {
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    sum += co_await torsion::succeed(i);
  }
  co_return sum;
}

Deferred<int> awaitsNested(Deferred<int> input) {
  int x = co_await addOne(addOne(std::move(input)));
  co_return x * 10;
}

struct Sentinel {
  explicit Sentinel(bool* flag) : flag_(flag) {}

  Sentinel(const Sentinel&) = delete;
  Sentinel& operator=(const Sentinel&) = delete;
  Sentinel(Sentinel&&) = delete;
  Sentinel& operator=(Sentinel&&) = delete;

  ~Sentinel() { *flag_ = true; }

  bool* flag_;
};

Deferred<int> awaitsForever(bool* destroyed) {
  Sentinel sentinel(destroyed);
  co_await Deferred<int>();  // nobody else holds it, so nothing can ever fire it
  co_return 0;
}

template <class T>
T valueOf(Deferred<T>& d) {
  T out{};
  d.addCallback([&out](T v) {
    out = v;
    return v;
  });
  return out;
}

}  // namespace

TEST_CASE("A coroutine co_awaits a fired Deferred without suspending and co_returns",
          "[deferred][coroutine]") {
  Deferred<int> result = addOne(torsion::succeed(41));
  CHECK(result.called());
  CHECK(valueOf(result) == 42);
}

TEST_CASE("A coroutine suspends on an unfired Deferred and resumes when it fires",
          "[deferred][coroutine]") {
  Deferred<int> a;
  Deferred<int> b;
  Deferred<std::string> result = describe(a, b);
  CHECK_FALSE(result.called());
  b.callback(2);  // fired before it is awaited: taken at once later
  CHECK_FALSE(result.called());
  a.callback(1);
  REQUIRE(result.called());
  CHECK(valueOf(result) == "1+2");
}

TEST_CASE("An exception thrown inside a coroutine fails the Deferred it returned",
          "[deferred][coroutine]") {
  Deferred<void> input;
  Deferred<int> result = throwsAfter(input);
  std::string what;
  result.addErrback([&what](Failure f) {
    what = f.what();
    return 0;
  });
  input.callback();
  CHECK(what == "thrown inside the coroutine");
}

TEST_CASE("co_await on a failed Deferred throws its exception into the coroutine",
          "[deferred][coroutine]") {
  Deferred<int> input;
  Deferred<std::string> result = catchesFailure(input);
  input.errback(std::runtime_error("boom"));
  CHECK(valueOf(result) == "caught boom");
}

TEST_CASE(
    "Cancelling a coroutine's Deferred cancels what it awaits; CancelledError is thrown at "
    "the co_await",
    "[deferred][coroutine]") {
  int awaitedCancelled = 0;
  Deferred<int> awaited([&awaitedCancelled](Deferred<int>&) { ++awaitedCancelled; });
  std::vector<std::string> log;
  Deferred<std::string> result = catchesCancel(awaited, &log);
  result.cancel();
  CHECK(awaitedCancelled == 1);
  CHECK(log == std::vector<std::string>{"CancelledError at co_await"});
  CHECK(valueOf(result) == "finished");  // it caught the error and went on
}

TEST_CASE("Cancelling a coroutine that does not catch CancelledError fails its Deferred with it",
          "[deferred][coroutine]") {
  Deferred<int> awaited;
  Deferred<int> result = addOne(awaited);
  std::string type;
  result.addErrback([&type](Failure f) {
    type = f.typeName();
    return 0;
  });
  result.cancel();
  CHECK(type == "torsion::CancelledError");
}

TEST_CASE("Deferred<void> coroutines co_await and finish without a value",
          "[deferred][coroutine]") {
  int counter = 0;
  Deferred<void> input;
  Deferred<void> result = voidCoroutine(input, &counter);
  CHECK(counter == 0);
  input.callback();
  CHECK(counter == 1);
  CHECK(result.called());
}

TEST_CASE("A coroutine may co_await many fired Deferreds in a loop", "[deferred][coroutine]") {
  Deferred<int> result = awaitsMany(1000);
  CHECK(valueOf(result) == 999 * 1000 / 2);
}

TEST_CASE("Coroutines await coroutines", "[deferred][coroutine]") {
  Deferred<int> input;
  Deferred<int> result = awaitsNested(input);
  input.callback(1);
  CHECK(valueOf(result) == 30);
}

TEST_CASE("After co_await takes a result, the awaited chain goes on with no value",
          "[deferred][coroutine]") {
  Deferred<int> input;
  Deferred<int> result = addOne(input);
  input.callback(1);
  CHECK(valueOf(result) == 2);
  CHECK_THROWS_AS(input.addCallback([](int x) { return x; }), torsion::StaleDeferredError);
}

TEST_CASE("A coroutine awaiting a Deferred nobody can fire is destroyed, running its destructors",
          "[deferred][coroutine]") {
  bool destroyed = false;
  Deferred<int> result = awaitsForever(&destroyed);
  CHECK(destroyed);
  CHECK_FALSE(result.called());
  std::string type;
  result.addErrback([&type](Failure f) {
    type = f.typeName();
    return 0;
  });
  result.cancel();  // nothing left to cancel: plain CancelledError
  CHECK(type == "torsion::CancelledError");
}

TEST_CASE("A coroutine awaiting a Deferred whose chain still has queued steps waits for them",
          "[deferred][coroutine]") {
  Deferred<int> input = torsion::succeed(1);
  input.pause();
  input.addCallback([](int x) { return x * 100; });
  Deferred<int> result = addOne(input);
  CHECK_FALSE(result.called());
  input.unpause();
  CHECK(valueOf(result) == 101);
}
