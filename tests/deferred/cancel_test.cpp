#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/failure.hpp>

using torsion::CancelledError;
using torsion::Deferred;
using torsion::Failure;

namespace {

// A Deferred<int> with a canceller, made inside a callback and returned from it, so that nothing
// but the waiting chain refers to it. `alive` expires when the canceller (and so the Deferred)
// is freed; `onCancel` runs as its canceller.
Deferred<int> innerWithCanceller(int& cancels, const std::shared_ptr<int>& alive,
                                 std::function<void(Deferred<int>&)> onCancel = {}) {
  return Deferred<int>([&cancels, alive, onCancel = std::move(onCancel)](Deferred<int>& self) {
    ++cancels;
    if (onCancel) {
      onCancel(self);
    }
  });
}

// Records the failure's type name and recovers, so nothing is left unhandled.
template <class T>
void catchInto(Deferred<T>& d, std::string& what) {
  d.addErrback([&what](Failure f) {
    what = f.typeName();
    if constexpr (!std::is_void_v<T>) {
      return T{};
    }
  });
}

}  // namespace

TEST_CASE("cancel() calls the canceller with the Deferred", "[deferred][cancel]") {
  int calls = 0;
  Deferred<int> d([&calls](Deferred<int>& self) {
    ++calls;
    self.callback(0);  // a canceller may fire it: then no CancelledError
  });
  int result = -1;
  d.addCallback([&result](int x) {
    result = x;
    return x;
  });
  d.cancel();
  CHECK(calls == 1);
  CHECK(result == 0);
}

TEST_CASE("Without a canceller, cancel() errbacks with CancelledError and eats the later result",
          "[deferred][cancel]") {
  Deferred<int> d;
  std::string what;
  catchInto(d, what);
  d.cancel();
  CHECK(what == "torsion::CancelledError");
  // The operation the Deferred stood for completes later: its callback is silently dropped once.
  CHECK_NOTHROW(d.callback(5));
  CHECK_THROWS_AS(d.callback(6), torsion::AlreadyCalledError);
}

TEST_CASE("A canceller that does not fire the Deferred leads to CancelledError",
          "[deferred][cancel]") {
  bool cancellerRan = false;
  Deferred<int> d([&cancellerRan](Deferred<int>&) { cancellerRan = true; });
  std::string what;
  catchInto(d, what);
  d.cancel();
  CHECK(cancellerRan);
  CHECK(what == "torsion::CancelledError");
  // With a canceller, a late callback is a real error (Twisted's rule).
  CHECK_THROWS_AS(d.callback(1), torsion::AlreadyCalledError);
}

TEST_CASE("A canceller may errback with its own failure", "[deferred][cancel]") {
  Deferred<void> d([](Deferred<void>& self) { self.errback(std::runtime_error("custom")); });
  std::string what;
  d.addErrback([&what](Failure f) { what = f.what(); });
  d.cancel();
  CHECK(what == "custom");
}

TEST_CASE("A canceller that throws fails the Deferred instead of throwing from cancel()",
          "[deferred][cancel]") {
  Deferred<int> d([](Deferred<int>&) { throw std::runtime_error("canceller broke"); });
  std::string what;
  d.addErrback([&what](Failure f) {
    what = f.what();
    return 0;
  });
  CHECK_NOTHROW(d.cancel());
  CHECK(what == "canceller broke");
}

TEST_CASE("Cancelling a fired Deferred does nothing", "[deferred][cancel]") {
  int calls = 0;
  Deferred<int> d([&calls](Deferred<int>&) { ++calls; });
  d.callback(3);
  d.cancel();
  CHECK(calls == 0);
  int result = 0;
  d.addCallback([&result](int x) {
    result = x;
    return x;
  });
  CHECK(result == 3);
}

TEST_CASE("Cancelling a Deferred that waits on an inner Deferred cancels the inner one",
          "[deferred][cancel]") {
  int innerCancels = 0;
  Deferred<int> inner([&innerCancels](Deferred<int>&) { ++innerCancels; });
  int outerCancels = 0;
  Deferred<int> outer([&outerCancels](Deferred<int>&) { ++outerCancels; });
  std::string what;
  outer.addCallback([inner](int) { return inner; });
  catchInto(outer, what);
  outer.callback(1);
  outer.cancel();
  CHECK(outerCancels == 0);  // outer had fired: its own canceller is not used
  CHECK(innerCancels == 1);
  CHECK(what == "torsion::CancelledError");  // the inner's CancelledError reached the outer
}

TEST_CASE("Cancellation reaches the innermost of several nested waiting Deferreds",
          "[deferred][cancel]") {
  std::vector<int> cancelled;
  Deferred<int> innermost([&cancelled](Deferred<int>&) { cancelled.push_back(3); });
  Deferred<int> middle = torsion::succeed(0);
  middle.addCallback([innermost](int) { return innermost; });
  Deferred<int> outer = torsion::succeed(0);
  outer.addCallback([middle](int) { return middle; });
  std::string what;
  catchInto(outer, what);
  outer.cancel();
  CHECK(cancelled == std::vector<int>{3});
  CHECK(what == "torsion::CancelledError");
}

TEST_CASE(
    "Cancelling a Deferred whose inner Deferred was dropped unfired resumes it with "
    "CancelledError",
    "[deferred][cancel]") {
  Deferred<int> outer = torsion::succeed(0);
  outer.addCallback([](int) { return Deferred<int>(); });  // nobody holds it: it can never fire
  CHECK(outer.paused());
  std::string what;
  catchInto(outer, what);
  outer.cancel();
  CHECK(what == "torsion::CancelledError");
  CHECK_FALSE(outer.paused());
}

// Twisted's test_cancelNestedDeferred, with the inner Deferred held by nothing but the chain that
// waits on it (the usual shape: a callback returns a fresh Deferred and nobody keeps a handle).
TEST_CASE("Cancelling reaches the canceller of an inner Deferred that only the chain holds",
          "[deferred][cancel]") {
  int cancels = 0;
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  Deferred<int> outer([](Deferred<int>&) { FAIL("the outer Deferred had fired already"); });
  outer.addCallback([&cancels, alive](int) { return innerWithCanceller(cancels, alive); });
  alive.reset();
  outer.callback(1);
  CHECK(outer.paused());
  CHECK_FALSE(watch.expired());  // the waiting chain keeps the inner one (and its canceller)
  std::string what;
  catchInto(outer, what);
  outer.cancel();
  CHECK(cancels == 1);
  CHECK(what == "torsion::CancelledError");
  CHECK_FALSE(outer.paused());
  CHECK(watch.expired());  // once it fired, nothing keeps the inner chain
}

TEST_CASE("An inner Deferred's canceller may recover with a value that flows into the outer chain",
          "[deferred][cancel]") {
  int cancels = 0;
  auto alive = std::make_shared<int>(0);
  Deferred<int> outer;
  int result = 0;
  outer
      .addCallback([&cancels, alive](int) {
        return innerWithCanceller(cancels, alive, [](Deferred<int>& self) { self.callback(42); });
      })
      .addCallback([&result](int x) {
        result = x;
        return x;
      });
  alive.reset();
  outer.callback(1);
  outer.cancel();
  CHECK(cancels == 1);
  CHECK(result == 42);
}

TEST_CASE("Cancelling reaches an innermost Deferred two levels down that only the chains hold",
          "[deferred][cancel]") {
  int cancels = 0;
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  Deferred<int> outer;
  outer.addCallback([&cancels, alive](int) {
    // The middle Deferred waits on the innermost; the caller drops both handles.
    Deferred<int> middle = torsion::succeed(0);
    middle.addCallback([&cancels, alive](int) { return innerWithCanceller(cancels, alive); });
    return middle;
  });
  alive.reset();
  outer.callback(1);
  CHECK(outer.paused());
  CHECK_FALSE(watch.expired());
  std::string what;
  catchInto(outer, what);
  outer.cancel();
  CHECK(cancels == 1);
  CHECK(what == "torsion::CancelledError");  // through the middle chain and out
  CHECK(watch.expired());
}

TEST_CASE("Cancelling after the inner Deferred fired does nothing", "[deferred][cancel]") {
  int cancels = 0;
  auto alive = std::make_shared<int>(0);
  Deferred<int> outer;
  Deferred<int> inner = innerWithCanceller(cancels, alive);
  outer.addCallback([inner](int) { return inner; });
  outer.callback(1);
  CHECK(outer.paused());
  inner.callback(7);
  CHECK_FALSE(outer.paused());
  outer.cancel();
  inner.cancel();
  CHECK(cancels == 0);
  int result = 0;
  outer.addCallback([&result](int x) {
    result = x;
    return x;
  });
  CHECK(result == 7);
}

TEST_CASE("A waiting chain and the inner Deferred only it holds are freed when dropped unfired",
          "[deferred][cancel]") {
  int cancels = 0;
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  {
    Deferred<int> outer;
    outer.addCallback([&cancels, alive](int) { return innerWithCanceller(cancels, alive); });
    outer.callback(1);
    CHECK(outer.paused());
  }
  alive.reset();
  // Outer and inner referred to each other (the hold for cancel() and the continuation); with
  // the last handle gone nothing can fire or cancel them, so both went. LSan checks the rest.
  CHECK(watch.expired());
  CHECK(cancels == 0);
}

TEST_CASE("A dropped two-level tower held only by its chains is freed", "[deferred][cancel]") {
  int cancels = 0;
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  {
    Deferred<int> outer = torsion::succeed(0);
    outer.addCallback([&cancels, alive](int) {
      Deferred<int> middle = torsion::succeed(0);
      middle.addCallback([&cancels, alive](int) { return innerWithCanceller(cancels, alive); });
      return middle;
    });
    CHECK(outer.paused());
  }
  alive.reset();
  CHECK(watch.expired());
  CHECK(cancels == 0);
}

TEST_CASE("A fire-and-forget chain waiting on a held inner Deferred still runs when it fires",
          "[deferred][cancel]") {
  Deferred<int> inner;
  int result = 0;
  {
    Deferred<int> outer = torsion::succeed(0);
    outer.addCallback([inner](int) { return inner; }).addCallback([&result](int x) {
      result = x;
      return x;
    });
  }
  // Only the continuation in `inner` holds the outer chain now; it no longer holds `inner` back.
  inner.callback(5);
  CHECK(result == 5);
}
