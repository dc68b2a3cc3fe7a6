#include <memory>
#include <optional>
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
using torsion::Outcome;

TEST_CASE("Firing a Deferred runs its callbacks in order, each getting the previous one's result",
          "[deferred][chain]") {
  Deferred<int> d;
  std::vector<std::string> log;
  d.addCallback([&log](int x) {
     log.push_back("first " + std::to_string(x));
     return x + 1;
   }).addCallback([&log](int x) {
    log.push_back("second " + std::to_string(x));
    return x * 10;
  });
  d.addCallback([&log](int x) {
    log.push_back("third " + std::to_string(x));
    return x;
  });
  CHECK(log.empty());
  d.callback(1);
  CHECK(log == std::vector<std::string>{"first 1", "second 2", "third 20"});
  CHECK(d.called());
}

TEST_CASE("A callback added to a fired Deferred runs at once, inside addCallback",
          "[deferred][chain]") {
  Deferred<int> d = torsion::succeed(5);
  int seen = 0;
  d.addCallback([&seen](int x) {
    seen = x;
    return x;
  });
  CHECK(seen == 5);
}

TEST_CASE("addCallback returns *this while the type stays and a new handle when it changes",
          "[deferred][chain]") {
  Deferred<int> d;
  Deferred<int>& same = d.addCallback([](int x) { return x + 1; });
  CHECK(&same == &d);

  Deferred<std::string> text = d.addCallback([](int x) { return std::to_string(x); });
  std::string result;
  text.addCallback([&result](std::string s) {
    result = s;
    return s;
  });
  d.callback(41);  // the original handle still fires the chain
  CHECK(result == "42");
}

TEST_CASE("A handle whose type a callback changed is stale for adding callbacks",
          "[deferred][chain]") {
  Deferred<int> d;
  Deferred<std::string> text = d.addCallback([](int x) { return std::to_string(x); });
  CHECK_THROWS_AS(d.addCallback([](int x) { return x; }), torsion::StaleDeferredError);
  CHECK_THROWS_AS(text.callback("no"), torsion::StaleDeferredError);  // the chain starts at int
  d.callback(1);
  CHECK(d.called());
  std::string seen;
  text.addCallback([&seen](std::string s) {
    seen = s;
    return s;
  });
  CHECK(seen == "1");
}

TEST_CASE("Calling back a Deferred twice throws AlreadyCalledError", "[deferred][chain]") {
  Deferred<int> d;
  d.callback(1);
  CHECK_THROWS_AS(d.callback(2), torsion::AlreadyCalledError);
  CHECK_THROWS_AS(d.errback(std::runtime_error("late")), torsion::AlreadyCalledError);

  Deferred<void> e;
  e.errback(std::runtime_error("first"));
  CHECK_THROWS_AS(e.callback(), torsion::AlreadyCalledError);
  e.addErrback([](const Failure&) {});
}

TEST_CASE("A callback that throws switches the chain to its errbacks", "[deferred][chain]") {
  Deferred<int> d;
  bool skipped = true;
  std::string caught;
  d.addCallback([](int) -> int { throw std::runtime_error("bad value"); })
      .addCallback([&skipped](int x) {
        skipped = false;
        return x;
      })
      .addErrback([&caught](Failure f) {
        caught = f.what();
        return -1;
      });
  int final = 0;
  d.addCallback([&final](int x) {
    final = x;
    return x;
  });
  d.callback(3);
  CHECK(skipped);
  CHECK(caught == "bad value");
  CHECK(final == -1);  // the errback recovered: back on the callback path
}

TEST_CASE("An errback fails again by rethrowing, by trap not matching, or by returning a Failure",
          "[deferred][chain]") {
  std::vector<std::string> seen;
  Deferred<int> d;
  d.addErrback([](Failure f) -> int { f.rethrow(); })
      .addErrback([](Failure f) -> int {
        f.trap<torsion::CancelledError>();  // does not match: propagates unchanged
        return 0;
      })
      .addErrback([&seen](Failure f) -> Failure {
        seen.push_back(f.typeName() + ": " + f.what());
        return Failure(std::logic_error("replaced"));
      })
      .addErrback([&seen](Failure f) {
        seen.push_back(f.typeName() + ": " + f.what());
        return 7;
      });
  d.errback(std::out_of_range("original"));
  CHECK(seen ==
        std::vector<std::string>{"std::out_of_range: original", "std::logic_error: replaced"});
}

TEST_CASE("trap in an errback recovers from the failures it names", "[deferred][chain]") {
  Deferred<std::string> d;
  std::string result;
  d.addErrback([](Failure f) {
     f.trap<torsion::CancelledError>();
     return std::string("cancelled");
   }).addCallback([&result](std::string s) {
    result = s;
    return s;
  });
  d.cancel();
  CHECK(result == "cancelled");
}

TEST_CASE(
    "addCallbacks runs exactly one of its pair; the errback does not see its callback's "
    "exception",
    "[deferred][chain]") {
  Deferred<int> d;
  bool pairErrbackRan = false;
  std::string later;
  d.addCallbacks([](int) -> int { throw std::runtime_error("from callback"); },
                 [&pairErrbackRan](const Failure&) {
                   pairErrbackRan = true;
                   return 0;
                 })
      .addErrback([&later](Failure f) {
        later = f.what();
        return 0;
      });
  d.callback(1);
  CHECK_FALSE(pairErrbackRan);
  CHECK(later == "from callback");
}

TEST_CASE("addBoth sees values and failures alike, as an Outcome or through a generic lambda",
          "[deferred][chain]") {
  std::vector<std::string> seen;
  auto record = [&seen](Outcome<int> r) {
    seen.push_back(r.succeeded() ? "value " + std::to_string(r.value())
                                 : "failure " + r.failure().what());
    return r;
  };
  Deferred<int> ok;
  ok.addBoth(record);
  ok.callback(4);
  Deferred<int> bad;
  bad.addBoth(record).addErrback([](const Failure&) { return 0; });
  bad.errback(std::runtime_error("x"));
  CHECK(seen == std::vector<std::string>{"value 4", "failure x"});

  int cleanups = 0;
  Deferred<int> generic;
  generic.addBoth([&cleanups](auto result) {
    ++cleanups;
    return result;  // an int continues as a value, a Failure continues as a failure
  });
  generic.addErrback([](const Failure&) { return 0; });
  generic.errback(std::runtime_error("y"));
  CHECK(cleanups == 1);
}

TEST_CASE("Deferred<void> callbacks take no argument and callback() takes no value",
          "[deferred][chain]") {
  Deferred<void> d;
  int calls = 0;
  Deferred<int> three = d.addCallback([&calls] { ++calls; }).addCallback([&calls] {
    ++calls;
    return 3;
  });
  d.callback();
  CHECK(calls == 2);

  Deferred<void> failing;
  bool recovered = false;
  failing.addErrback([&recovered](const Failure&) { recovered = true; });
  failing.errback(std::runtime_error("void failure"));
  CHECK(recovered);
}

TEST_CASE("A callback may return an Outcome to choose between value and failure",
          "[deferred][chain]") {
  Deferred<int> d;
  std::string what;
  d.addCallback([](int x) -> Outcome<int> {
     if (x < 0) {
       return Failure(std::domain_error("negative"));
     }
     return x;
   }).addErrback([&what](Failure f) {
    what = f.what();
    return 0;
  });
  d.callback(-1);
  CHECK(what == "negative");
}

TEST_CASE("A callback returning an unfired Deferred pauses the chain until that one fires",
          "[deferred][chain]") {
  Deferred<int> outer;
  Deferred<std::string> inner;
  std::optional<std::string> result;
  Deferred<std::string> chained = outer.addCallback([inner](int) { return inner; });
  chained.addCallback([&result](std::string s) {
    result = s;
    return s;
  });
  outer.callback(1);
  CHECK_FALSE(result);
  CHECK(outer.paused());
  inner.callback("inner result");
  CHECK(result == "inner result");
  CHECK_FALSE(outer.paused());
}

TEST_CASE("A failure of the inner Deferred resumes the outer chain on its errbacks",
          "[deferred][chain]") {
  Deferred<int> outer;
  Deferred<int> inner;
  std::string what;
  outer.addCallback([inner](int) { return inner; }).addErrback([&what](Failure f) {
    what = f.what();
    return 0;
  });
  outer.callback(1);
  inner.errback(std::runtime_error("inner failed"));
  CHECK(what == "inner failed");
}

TEST_CASE("A callback returning a fired Deferred continues at once with its result",
          "[deferred][chain]") {
  Deferred<int> d = torsion::succeed(1);
  int result = 0;
  d.addCallback([](int x) { return torsion::succeed(x + 1); }).addCallback([&result](int x) {
    result = x;
    return x;
  });
  CHECK(result == 2);
  CHECK_FALSE(d.paused());
}

TEST_CASE("After an outer chain takes an inner Deferred's result, the inner goes on with no value",
          "[deferred][chain]") {
  Deferred<int> outer;
  Deferred<int> inner;
  outer.addCallback([inner](int) { return inner; });
  outer.callback(0);
  inner.callback(5);
  int result = 0;
  outer.addCallback([&result](int x) {
    result = x;
    return x;
  });
  CHECK(result == 5);
  CHECK_THROWS_AS(inner.addCallback([](int x) { return x; }), torsion::StaleDeferredError);
}

TEST_CASE("Callbacks added to an inner Deferred before chaining run before the outer resumes",
          "[deferred][chain]") {
  std::vector<std::string> log;
  Deferred<int> outer;
  Deferred<int> inner;
  inner.addCallback([&log](int x) {
    log.push_back("inner callback");
    return x * 2;
  });
  outer.addCallback([inner](int) { return inner; }).addCallback([&log](int x) {
    log.push_back("outer resumed with " + std::to_string(x));
    return x;
  });
  outer.callback(0);
  inner.callback(21);
  CHECK(log == std::vector<std::string>{"inner callback", "outer resumed with 42"});
}

TEST_CASE("A callback returning the Deferred it is attached to fails the chain",
          "[deferred][chain]") {
  Deferred<int> d;
  std::string what;
  d.addCallback([d](int) { return d; }).addErrback([&what](Failure f) {
    what = f.what();
    return 0;
  });
  d.callback(1);
  CHECK(what.find("attached to") != std::string::npos);
}

TEST_CASE("pause() holds callbacks back until the matching unpause()", "[deferred][pause]") {
  Deferred<int> d;
  int calls = 0;
  d.addCallback([&calls](int x) {
    ++calls;
    return x;
  });
  d.pause();
  d.pause();
  d.callback(1);
  CHECK(calls == 0);
  d.addCallback([&calls](int x) {
    ++calls;
    return x;
  });
  CHECK(calls == 0);  // paused: not run even though the Deferred has a result
  d.unpause();
  CHECK(calls == 0);
  d.unpause();
  CHECK(calls == 2);
  CHECK_THROWS_AS(d.unpause(), torsion::Error);
}

TEST_CASE("unpause() cannot undo the pause of a chain waiting on a returned Deferred",
          "[deferred][pause]") {
  Deferred<int> outer = torsion::succeed(0);
  Deferred<int> inner;
  int result = 0;
  outer.addCallback([inner](int) { return inner; }).addCallback([&result](int x) {
    result = x;
    return x;
  });
  REQUIRE(outer.paused());  // by the wait, not by pause()
  CHECK_THROWS_AS(outer.unpause(), torsion::Error);
  CHECK(outer.paused());
  outer.pause();
  outer.unpause();  // the caller's own pause may be undone
  CHECK_THROWS_AS(outer.unpause(), torsion::Error);
  inner.callback(4);
  CHECK(result == 4);  // the wait ended normally: not stuck, not run twice
  CHECK_FALSE(outer.paused());
  CHECK_THROWS_AS(outer.unpause(), torsion::Error);
}

TEST_CASE("Pausing a Deferred that waits on an inner one keeps it waiting after the inner fires",
          "[deferred][pause]") {
  Deferred<int> outer;
  Deferred<int> inner;
  int result = 0;
  outer.addCallback([inner](int) { return inner; }).addCallback([&result](int x) {
    result = x;
    return x;
  });
  outer.callback(0);
  outer.pause();
  inner.callback(9);
  CHECK(result == 0);
  outer.unpause();
  CHECK(result == 9);
}

TEST_CASE("An unfired inner Deferred paused by its owner keeps the outer chain waiting",
          "[deferred][pause]") {
  Deferred<int> outer = torsion::succeed(0);
  Deferred<int> inner;
  inner.pause();
  inner.callback(3);
  int result = 0;
  outer.addCallback([inner](int) { return inner; }).addCallback([&result](int x) {
    result = x;
    return x;
  });
  CHECK(result == 0);  // inner has a result but is paused: the outer waits
  inner.unpause();
  CHECK(result == 3);
}

TEST_CASE("A callback added while the chain runs is queued and runs after the current one",
          "[deferred][reentrancy]") {
  Deferred<int> d;
  std::vector<std::string> log;
  d.addCallback([&log, d](int x) mutable {
    log.push_back("first");
    d.addCallback([&log](int y) {
      log.push_back("added inside, got " + std::to_string(y));
      return y;
    });
    log.push_back("first done");
    return x + 1;
  });
  d.addCallback([&log](int x) {
    log.push_back("second");
    return x;
  });
  d.callback(0);
  CHECK(log == std::vector<std::string>{"first", "first done", "second", "added inside, got 1"});
}

TEST_CASE(
    "Callbacks added to a fired Deferred run before callbacks queued elsewhere: the "
    "reordering trap",
    "[deferred][reentrancy]") {
  // Twisted semantics: adding to a fired Deferred runs the callback now, so code that adds a
  // callback "for later" after firing sees it run first, before anything it does next.
  std::vector<std::string> log;
  Deferred<int> d;
  d.callback(1);
  log.push_back("before addCallback");
  d.addCallback([&log](int x) {
    log.push_back("callback");
    return x;
  });
  log.push_back("after addCallback");
  CHECK(log == std::vector<std::string>{"before addCallback", "callback", "after addCallback"});
}

TEST_CASE("succeed and fail make fired Deferreds", "[deferred][helpers]") {
  int value = 0;
  torsion::succeed(7).addCallback([&value](int x) {
    value = x;
    return x;
  });
  CHECK(value == 7);

  std::string what;
  torsion::fail<int>(std::runtime_error("failed")).addErrback([&what](Failure f) {
    what = f.what();
    return 0;
  });
  CHECK(what == "failed");

  bool ran = false;
  torsion::succeed().addCallback([&ran] { ran = true; });
  CHECK(ran);
}

TEST_CASE("maybeDeferred wraps a value, a thrown exception, or a returned Deferred",
          "[deferred][helpers]") {
  int value = 0;
  torsion::maybeDeferred([] { return 3; }).addCallback([&value](int x) {
    value = x;
    return x;
  });
  CHECK(value == 3);

  std::string what;
  torsion::maybeDeferred([]() -> int {
    throw std::runtime_error("thrown");
  }).addErrback([&what](Failure f) {
    what = f.what();
    return 0;
  });
  CHECK(what == "thrown");

  Deferred<std::string> later;
  std::string text;
  Deferred<std::string> wrapped = torsion::maybeDeferred([later] { return later; });
  wrapped.addCallback([&text](std::string s) {
    text = s;
    return s;
  });
  CHECK(text.empty());
  later.callback("later");
  CHECK(text == "later");

  bool voidRan = false;
  torsion::maybeDeferred([&voidRan] { voidRan = true; }).addCallback([] {});
  CHECK(voidRan);
}

TEST_CASE("branch() hands a copy of the result to a second observer while the chain goes on",
          "[deferred][fanout]") {
  Deferred<int> d;
  Deferred<int> observer = d.branch();
  int seenByObserver = 0;
  int seenByChain = 0;
  observer.addCallback([&seenByObserver](int x) {
    seenByObserver = x;
    return x;
  });
  d.addCallback([&seenByChain](int x) {
    seenByChain = x;
    return x;
  });
  d.callback(11);
  CHECK(seenByObserver == 11);
  CHECK(seenByChain == 11);

  Deferred<int> failing;
  Deferred<int> failingObserver = failing.branch();
  int handled = 0;
  failingObserver.addErrback([&handled](const Failure&) {
    ++handled;
    return 0;
  });
  failing.addErrback([&handled](const Failure&) {
    ++handled;
    return 0;
  });
  failing.errback(std::runtime_error("both see it"));
  CHECK(handled == 2);
}

TEST_CASE("Copies of a handle share one chain; a moved-from handle refuses to be used",
          "[deferred][handle]") {
  Deferred<int> a;
  Deferred<int> b = a;
  int result = 0;
  b.addCallback([&result](int x) {
    result = x;
    return x;
  });
  a.callback(2);
  CHECK(result == 2);
  CHECK(b.called());

  Deferred<int> c = std::move(a);
  CHECK_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): testing the moved-from state
  CHECK(c.valid());
  CHECK_THROWS_AS(a.callback(1), torsion::Error);  // NOLINT(bugprone-use-after-move)
  CHECK_FALSE(a.called());                         // NOLINT(bugprone-use-after-move)
}

TEST_CASE("Move-only results travel along the chain", "[deferred][chain]") {
  Deferred<std::unique_ptr<int>> d;
  int result = 0;
  d.addCallback([](std::unique_ptr<int> p) {
     *p += 1;
     return p;
   }).addCallback([&result](std::unique_ptr<int> p) {
    result = *p;
    return p;
  });
  d.callback(std::make_unique<int>(41));
  CHECK(result == 42);
}

TEST_CASE("Large results that do not fit the inline slot work the same", "[deferred][chain]") {
  struct Big {
    char bytes[256] = {};
    int tag = 0;
  };

  Deferred<Big> d;
  int tag = 0;
  Deferred<std::string> s = d.addCallback([](Big b) {
                               b.tag += 1;
                               return b;
                             }).addCallback([&tag](Big b) {
    tag = b.tag;
    return std::string(64, 'x');
  });
  std::size_t length = 0;
  (void)s.addCallback([&length](const std::string& text) { length = text.size(); });
  Big big;
  big.tag = 4;
  d.callback(big);
  CHECK(tag == 5);
  CHECK(length == 64);
}

TEST_CASE("A callback may drop the last handle to its own Deferred", "[deferred][handle]") {
  std::optional<Deferred<int>> holder = torsion::succeed(1);
  int seen = 0;
  holder->addCallback([&holder, &seen](int x) {
    holder.reset();  // the chain stays alive until the step returns
    seen = x;
    return x;
  });
  CHECK(seen == 1);
  CHECK_FALSE(holder.has_value());

  std::optional<Deferred<int>> pending{Deferred<int>()};
  pending->addCallback([&pending](int x) {
    pending.reset();
    return x;
  });
  pending->callback(2);
  CHECK_FALSE(pending.has_value());
}
