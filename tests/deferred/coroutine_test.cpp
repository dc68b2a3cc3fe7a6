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
  co_await Deferred<int>();  // nobody else holds it: only cancelling the coroutine can fire it
  co_return 0;
}

// A Deferred<int> with a canceller, made fresh and held by nobody but its awaiter: the usual
// shape of `co_await startSomething()`. The canceller owns a Sentinel, so `cancellerFreed` is set
// when the canceller (and so the Deferred, if it never fired) is freed; `fireWith`, when not
// negative, is what the canceller calls back with instead of letting CancelledError happen.
Deferred<int> freshWithCanceller(int* cancels, bool* cancellerFreed, int fireWith = -1) {
  return Deferred<int>([cancels, fireWith, sentinel = std::make_unique<Sentinel>(cancellerFreed)](
                           Deferred<int>& self) {
    ++*cancels;
    if (fireWith >= 0) {
      self.callback(fireWith);
    }
  });
}

// Awaits a fresh Deferred and adds one, catching nothing.
Deferred<int> addOneToFresh(int* cancels, bool* cancellerFreed, bool* frameFreed,
                            int fireWith = -1) {
  Sentinel sentinel(frameFreed);
  int x = co_await freshWithCanceller(cancels, cancellerFreed, fireWith);
  co_return x + 1;
}

// Awaits a fresh Deferred; on CancelledError logs it and co_returns -1.
Deferred<int> recoversFromCancel(int* cancels, bool* cancellerFreed,
                                 std::vector<std::string>* log) {
  try {
    int x = co_await freshWithCanceller(cancels, cancellerFreed);
    log->push_back("value");
    co_return x;
  } catch (const torsion::CancelledError&) {
    log->push_back("CancelledError at co_await");
  }
  co_return -1;
}

// Awaits addOneToFresh (a coroutine awaiting a fresh Deferred); on CancelledError logs it and
// co_returns -10.
Deferred<int> awaitsCoroutine(int* cancels, bool* cancellerFreed, bool* innerFrameFreed,
                              bool* frameFreed, std::vector<std::string>* log) {
  Sentinel sentinel(frameFreed);
  try {
    int x = co_await addOneToFresh(cancels, cancellerFreed, innerFrameFreed);
    co_return x * 10;
  } catch (const torsion::CancelledError&) {
    log->push_back("CancelledError from the inner coroutine");
  }
  co_return -10;
}

// Awaits `first` (held by the test), then a fresh Deferred; on CancelledError goes on to await
// `after` and co_returns its value plus 100.
Deferred<int> awaitsThenRecovers(Deferred<int> first, Deferred<int> after, int* cancels,
                                 bool* cancellerFreed, std::vector<std::string>* log) {
  int sum = co_await std::move(first);
  try {
    sum += co_await freshWithCanceller(cancels, cancellerFreed);
  } catch (const torsion::CancelledError&) {
    log->push_back("CancelledError at the second co_await");
  }
  sum += co_await std::move(after);
  co_return sum + 100;
}

// Records the type name of the failure `d` ends with, and recovers with 0.
void catchTypeInto(Deferred<int>& d, std::string& type) {
  d.addErrback([&type](const Failure& f) {
    type = f.typeName();
    return 0;
  });
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
  result.addErrback([&what](const Failure& f) {
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
  result.addErrback([&type](const Failure& f) {
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

TEST_CASE(
    "A coroutine awaiting a Deferred nobody else holds stays suspended while its own Deferred is "
    "held, so cancelling it still reaches the co_await",
    "[deferred][coroutine][cancel]") {
  bool destroyed = false;
  Deferred<int> result = awaitsForever(&destroyed);
  CHECK_FALSE(destroyed);  // the coroutine's Deferred holds the awaited one for cancel()
  CHECK_FALSE(result.called());
  std::string type;
  catchTypeInto(result, type);
  result.cancel();  // no canceller on the awaited one: CancelledError, thrown at the co_await
  CHECK(type == "torsion::CancelledError");
  CHECK(destroyed);  // the coroutine ended by throwing it
}

TEST_CASE(
    "A coroutine awaiting a Deferred nobody can fire is destroyed, running its destructors, "
    "once its own Deferred is dropped",
    "[deferred][coroutine]") {
  bool destroyed = false;
  {
    Deferred<int> result = awaitsForever(&destroyed);
    CHECK_FALSE(destroyed);
  }
  CHECK(destroyed);  // frame and awaited chain referred to each other; both went (LSan checks)
}

TEST_CASE(
    "Cancelling a coroutine's Deferred reaches the canceller of an awaited Deferred nobody else "
    "holds; the coroutine sees CancelledError at the co_await",
    "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  std::vector<std::string> log;
  Deferred<int> result = recoversFromCancel(&cancels, &cancellerFreed, &log);
  CHECK_FALSE(result.called());
  CHECK_FALSE(cancellerFreed);  // kept alive by the suspended coroutine's Deferred
  result.cancel();
  CHECK(cancels == 1);
  CHECK(log == std::vector<std::string>{"CancelledError at co_await"});
  REQUIRE(result.called());
  CHECK(valueOf(result) == -1);  // it caught the error and co_returned: that is the result
  CHECK(cancellerFreed);
  result.cancel();  // already fired: nothing to cancel
  CHECK(cancels == 1);
}

TEST_CASE(
    "A coroutine that does not catch the CancelledError of a fresh awaited Deferred fails with "
    "it",
    "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  bool frameFreed = false;
  Deferred<int> result = addOneToFresh(&cancels, &cancellerFreed, &frameFreed);
  std::string type;
  catchTypeInto(result, type);
  result.cancel();
  CHECK(cancels == 1);
  CHECK(type == "torsion::CancelledError");
  CHECK(frameFreed);
  CHECK(cancellerFreed);
}

TEST_CASE("What the awaited Deferred's canceller fires is what the co_await returns",
          "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  bool frameFreed = false;
  Deferred<int> result = addOneToFresh(&cancels, &cancellerFreed, &frameFreed, 41);
  result.cancel();
  CHECK(cancels == 1);
  CHECK(valueOf(result) == 42);
  CHECK(frameFreed);
}

TEST_CASE(
    "Cancelling a coroutine awaiting a coroutine awaiting a fresh Deferred reaches the innermost "
    "canceller",
    "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  bool innerFrameFreed = false;
  bool frameFreed = false;
  std::vector<std::string> log;
  Deferred<int> result =
      awaitsCoroutine(&cancels, &cancellerFreed, &innerFrameFreed, &frameFreed, &log);
  CHECK_FALSE(innerFrameFreed);  // nobody but the outer coroutine holds the inner one's Deferred
  result.cancel();
  CHECK(cancels == 1);
  CHECK(innerFrameFreed);  // the inner coroutine did not catch it: it ended with the error
  CHECK(log == std::vector<std::string>{"CancelledError from the inner coroutine"});
  CHECK(valueOf(result) == -10);
  CHECK(frameFreed);
  CHECK(cancellerFreed);
}

TEST_CASE("Cancelling a chain waiting on a coroutine's Deferred reaches what the coroutine awaits",
          "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  bool frameFreed = false;
  Deferred<int> outer = torsion::succeed(0);
  outer.addCallback([&cancels, &cancellerFreed, &frameFreed](int) {
    return addOneToFresh(&cancels, &cancellerFreed, &frameFreed);  // nobody keeps its handle
  });
  CHECK(outer.paused());
  CHECK_FALSE(frameFreed);
  std::string type;
  catchTypeInto(outer, type);
  outer.cancel();
  CHECK(cancels == 1);
  CHECK(type == "torsion::CancelledError");
  CHECK(frameFreed);
  CHECK(cancellerFreed);
}

TEST_CASE(
    "Cancelling a coroutine after what it awaited fired does not touch that Deferred; a "
    "coroutine that recovers goes on and its Deferred fires with what it finally returns",
    "[deferred][coroutine][cancel]") {
  int firstCancels = 0;
  Deferred<int> first([&firstCancels](Deferred<int>&) { ++firstCancels; });
  Deferred<int> after;
  int cancels = 0;
  bool cancellerFreed = false;
  std::vector<std::string> log;
  Deferred<int> result = awaitsThenRecovers(first, after, &cancels, &cancellerFreed, &log);
  first.callback(1);  // the coroutine goes on to await a fresh Deferred
  result.cancel();
  CHECK(firstCancels == 0);  // what it awaited before had fired: left alone
  CHECK(cancels == 1);
  CHECK(log == std::vector<std::string>{"CancelledError at the second co_await"});
  CHECK_FALSE(result.called());  // it caught the error and now awaits `after`
  after.callback(5);
  CHECK(valueOf(result) == 106);
}

TEST_CASE("Cancelling a recovered coroutine again reaches what it awaits now",
          "[deferred][coroutine][cancel]") {
  Deferred<int> after;
  int cancels = 0;
  bool cancellerFreed = false;
  std::vector<std::string> log;
  Deferred<int> result =
      awaitsThenRecovers(torsion::succeed(1), after, &cancels, &cancellerFreed, &log);
  result.cancel();  // the fresh Deferred: caught, and the coroutine goes on to await `after`
  CHECK(cancels == 1);
  result.cancel();  // `after`, which has no canceller: CancelledError, not caught this time
  std::string type;
  catchTypeInto(result, type);
  CHECK(type == "torsion::CancelledError");
  CHECK_NOTHROW(after.callback(5));  // eaten once, as for any Deferred cancelled without canceller
  CHECK(cancellerFreed);
}

TEST_CASE("A coroutine that catches CancelledError and awaits again fires with its final value",
          "[deferred][coroutine][cancel]") {
  Deferred<int> first = torsion::succeed(1);
  Deferred<int> after;
  int cancels = 0;
  bool cancellerFreed = false;
  std::vector<std::string> log;
  Deferred<int> result = awaitsThenRecovers(first, after, &cancels, &cancellerFreed, &log);
  result.cancel();
  CHECK(cancels == 1);
  CHECK_FALSE(result.called());  // Twisted's rule: it fires with whatever the coroutine does
  after.callback(5);
  CHECK(valueOf(result) == 106);
}

TEST_CASE("Dropping a coroutine's Deferred while it awaits a fresh Deferred frees both unfired",
          "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  bool frameFreed = false;
  {
    Deferred<int> result = addOneToFresh(&cancels, &cancellerFreed, &frameFreed);
    CHECK_FALSE(cancellerFreed);
    CHECK_FALSE(frameFreed);
  }
  CHECK(cancellerFreed);
  CHECK(frameFreed);
  CHECK(cancels == 0);
}

TEST_CASE("Dropping nested coroutines awaiting a fresh Deferred frees them all unfired",
          "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  bool innerFrameFreed = false;
  bool frameFreed = false;
  std::vector<std::string> log;
  {
    Deferred<int> result =
        awaitsCoroutine(&cancels, &cancellerFreed, &innerFrameFreed, &frameFreed, &log);
    CHECK_FALSE(frameFreed);
  }
  CHECK(cancellerFreed);
  CHECK(innerFrameFreed);
  CHECK(frameFreed);
  CHECK(cancels == 0);
  CHECK(log.empty());  // destroyed, not resumed
}

TEST_CASE("A coroutine's Deferred fired by hand while it awaits lets go of what it awaits",
          "[deferred][coroutine][cancel]") {
  int cancels = 0;
  bool cancellerFreed = false;
  bool frameFreed = false;
  Deferred<int> result = addOneToFresh(&cancels, &cancellerFreed, &frameFreed);
  result.pause();
  result.callback(7);  // its result is decided: nothing can fire the awaited Deferred any more
  CHECK(cancellerFreed);
  CHECK(frameFreed);
  result.cancel();  // it has its result: nothing to cancel
  CHECK(cancels == 0);
  result.unpause();  // the caller's own pause, not taken for a wait's
  CHECK(valueOf(result) == 7);
}

TEST_CASE("A fire-and-forget coroutine still runs when a Deferred held elsewhere fires",
          "[deferred][coroutine]") {
  Deferred<int> input;
  int seen = 0;
  {
    Deferred<int> result = addOne(input);
    result.addCallback([&seen](int x) {
      seen = x;
      return x;
    });
  }
  // Only the producer's handle keeps the chain the coroutine awaits; the coroutine's Deferred
  // no longer holds it back, and is kept by the suspended frame.
  input.callback(1);
  CHECK(seen == 2);
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
