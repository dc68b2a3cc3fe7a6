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
