#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/race.hpp>

using torsion::Deferred;
using torsion::Failure;

TEST_CASE("race fires with the first success and its index, and cancels the others",
          "[deferred][race]") {
  std::vector<int> cancelled;
  Deferred<int> a([&cancelled](Deferred<int>&) { cancelled.push_back(0); });
  Deferred<int> b([&cancelled](Deferred<int>&) { cancelled.push_back(1); });
  Deferred<int> c([&cancelled](Deferred<int>&) { cancelled.push_back(2); });
  Deferred<std::pair<std::size_t, int>> winner = torsion::race<int>({a, b, c});
  a.errback(std::runtime_error("a failed first"));  // a failure does not decide the race
  CHECK_FALSE(winner.called());
  b.callback(20);
  REQUIRE(winner.called());
  std::pair<std::size_t, int> result;
  winner.addCallback([&result](std::pair<std::size_t, int> r) {
    result = r;
    return r;
  });
  CHECK(result == std::pair<std::size_t, int>(1, 20));
  CHECK(cancelled == std::vector<int>{2});  // a had fired already; c was still pending
}

TEST_CASE("race fails with a FailureGroup when every input fails", "[deferred][race]") {
  Deferred<void> a;
  Deferred<void> b;
  Deferred<std::size_t> winner = torsion::race<void>({a, b});
  b.errback(std::runtime_error("b"));
  a.errback(std::runtime_error("a"));
  std::vector<std::string> whats;
  winner.addErrback([&whats](Failure f) {
    const auto* group = f.value<torsion::FailureGroup>();
    REQUIRE(group != nullptr);
    for (const Failure& each : group->failures()) {
      whats.push_back(each.what());
    }
    return std::size_t{0};
  });
  CHECK(whats == std::vector<std::string>{"a", "b"});
}

TEST_CASE("Cancelling a race cancels every input", "[deferred][race]") {
  int cancels = 0;
  auto canceller = [&cancels](Deferred<int>&) { ++cancels; };
  Deferred<int> a(canceller);
  Deferred<int> b(canceller);
  Deferred<std::pair<std::size_t, int>> winner = torsion::race<int>({a, b});
  winner.cancel();
  CHECK(cancels == 2);
  bool group = false;
  winner.addErrback([&group](Failure f) {
    group = f.check<torsion::FailureGroup>().has_value();
    return std::pair<std::size_t, int>{};
  });
  CHECK(group);
}

TEST_CASE("A race of no Deferreds fails at once", "[deferred][race]") {
  Deferred<std::pair<std::size_t, int>> winner = torsion::race<int>({});
  REQUIRE(winner.called());
  winner.addErrback([](Failure f) {
    f.trap<torsion::FailureGroup>();
    return std::pair<std::size_t, int>{};
  });
}
