#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/deferred_list.hpp>
#include <torsion/deferred/failure.hpp>

using torsion::Deferred;
using torsion::DeferredList;
using torsion::Failure;
using torsion::Outcome;

namespace {

using Results = std::vector<Outcome<int>>;

Results resultsOf(Deferred<Results>& d) {
  Results out;
  d.addCallback([&out](Results r) {
    out = r;
    return r;
  });
  return out;
}

}  // namespace

TEST_CASE("DeferredList fires when all inputs fired, with (success, result) pairs in input order",
          "[deferred][deferredlist]") {
  Deferred<int> a;
  Deferred<int> b;
  Deferred<int> c;
  DeferredList<int> list({a, b, c});
  c.callback(3);
  a.errback(std::runtime_error("a failed"));
  CHECK_FALSE(list.called());
  b.callback(2);
  REQUIRE(list.called());
  Results results = resultsOf(list);
  REQUIRE(results.size() == 3);
  CHECK(results[0].failed());
  CHECK(results[0].failure().what() == "a failed");
  CHECK(results[1].value() == 2);
  CHECK(results[2].value() == 3);
  // Without consumeErrors the failure goes on along a's own chain.
  std::string passedOn;
  a.addErrback([&passedOn](Failure f) {
    passedOn = f.what();
    return 0;
  });
  CHECK(passedOn == "a failed");
  // Values go on too (copied, as T is copyable).
  int bValue = 0;
  b.addCallback([&bValue](int x) {
    bValue = x;
    return x;
  });
  CHECK(bValue == 2);
}

TEST_CASE("An empty DeferredList fires at once with no results", "[deferred][deferredlist]") {
  DeferredList<int> list({});
  REQUIRE(list.called());
  CHECK(resultsOf(list).empty());
}

TEST_CASE("DeferredList with fireOnOneCallback fires on the first success",
          "[deferred][deferredlist]") {
  Deferred<int> a;
  Deferred<int> b;
  DeferredList<int> list({a, b}, {.fireOnOneCallback = true});
  a.errback(std::runtime_error("first failed"));
  CHECK_FALSE(list.called());
  b.callback(7);
  REQUIRE(list.called());
  Results results = resultsOf(list);
  CHECK(results[0].failed());
  CHECK(results[1].value() == 7);
  a.addErrback([](const Failure&) { return 0; });
}

TEST_CASE("DeferredList with fireOnOneCallback leaves unfired inputs empty",
          "[deferred][deferredlist]") {
  Deferred<int> a;
  Deferred<int> b;
  DeferredList<int> list({a, b}, {.fireOnOneCallback = true});
  b.callback(1);
  Results results = resultsOf(list);
  CHECK_FALSE(results[0].fired());
  CHECK(results[1].succeeded());
  a.callback(0);  // later results are no longer recorded anywhere
}

TEST_CASE("DeferredList with fireOnOneErrback fails with FirstError naming the input",
          "[deferred][deferredlist]") {
  Deferred<int> a;
  Deferred<int> b;
  DeferredList<int> list({a, b}, {.fireOnOneErrback = true, .consumeErrors = true});
  b.errback(std::runtime_error("b failed"));
  REQUIRE(list.called());
  std::size_t index = 99;
  std::string inner;
  list.addErrback([&index, &inner](Failure f) {
    const auto* first = f.value<torsion::FirstError>();
    REQUIRE(first != nullptr);
    index = first->index();
    inner = first->subFailure().what();
    return Results{};
  });
  CHECK(index == 1);
  CHECK(inner == "b failed");
  a.callback(1);
}

TEST_CASE("DeferredList with consumeErrors stops failures from going on along the inputs",
          "[deferred][deferredlist]") {
  Deferred<int> a;
  DeferredList<int> list({a}, {.consumeErrors = true});
  a.errback(std::runtime_error("consumed"));
  CHECK(resultsOf(list)[0].failed());
  // a's chain now carries no value (Twisted: None); nothing is left unhandled.
  CHECK_THROWS_AS(a.addCallback([](int x) { return x; }), torsion::StaleDeferredError);
}

TEST_CASE("Cancelling a DeferredList cancels every input", "[deferred][deferredlist]") {
  int cancels = 0;
  auto canceller = [&cancels](Deferred<int>&) { ++cancels; };
  Deferred<int> a(canceller);
  Deferred<int> b(canceller);
  DeferredList<int> list({a, b}, {.consumeErrors = true});
  list.cancel();
  CHECK(cancels == 2);
  Results results = resultsOf(list);
  CHECK(results[0].failure().check<torsion::CancelledError>());
  CHECK(results[1].failure().check<torsion::CancelledError>());
}

TEST_CASE("DeferredList takes move-only results out of its inputs", "[deferred][deferredlist]") {
  Deferred<std::unique_ptr<int>> a;
  DeferredList<std::unique_ptr<int>> list({a});
  a.callback(std::make_unique<int>(5));
  int value = 0;
  (void)list.addCallback([&value](std::vector<Outcome<std::unique_ptr<int>>> results) {
    value = *results[0].value();
  });
  CHECK(value == 5);
}

TEST_CASE("DeferredList of Deferred<void> reports success and failure",
          "[deferred][deferredlist]") {
  Deferred<void> a;
  Deferred<void> b;
  DeferredList<void> list({a, b}, {.consumeErrors = true});
  a.callback();
  b.errback(std::runtime_error("void failed"));
  bool checked = false;
  (void)list.addCallback([&checked](std::vector<Outcome<void>> results) {
    CHECK(results[0].succeeded());
    CHECK(results[1].failed());
    checked = true;
  });
  CHECK(checked);
}

TEST_CASE("gatherResults fires with the values in input order", "[deferred][gather]") {
  Deferred<std::string> a;
  Deferred<std::string> b;
  Deferred<std::vector<std::string>> all = torsion::gatherResults<std::string>({a, b});
  b.callback("two");
  a.callback("one");
  std::vector<std::string> values;
  all.addCallback([&values](std::vector<std::string> v) {
    values = v;
    return v;
  });
  CHECK(values == std::vector<std::string>{"one", "two"});
}

TEST_CASE("gatherResults fails with FirstError on the first failure", "[deferred][gather]") {
  Deferred<int> a;
  Deferred<int> b;
  Deferred<std::vector<int>> all = torsion::gatherResults<int>({a, b}, /*consumeErrors=*/true);
  a.errback(std::runtime_error("gather failed"));
  std::string what;
  all.addErrback([&what](Failure f) {
    f.trap<torsion::FirstError>();
    const auto* first = f.value<torsion::FirstError>();
    REQUIRE(first != nullptr);
    what = first->subFailure().what();
    return std::vector<int>{};
  });
  CHECK(what == "gather failed");
  b.callback(1);
}

TEST_CASE("gatherResults of Deferred<void> gives a Deferred<void>", "[deferred][gather]") {
  Deferred<void> a;
  Deferred<void> all = torsion::gatherResults<void>({a, torsion::succeed()});
  CHECK_FALSE(all.called());
  a.callback();
  CHECK(all.called());
}
