#include <chrono>
#include <csignal>
#include <stdexcept>

#include <catch2/catch.hpp>

#include <torsion/application/react.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/reactor/ireactor_core.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/reactor.hpp>

#include "../reactor/reactor_test_support.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::Deferred;
using torsion::Reactor;

namespace {

torsion::ReactorOptions quiet() {
  torsion::ReactorOptions options;
  options.installSignalHandlers = false;
  return options;
}

/// Stops the reactor after `limit` if the test's own logic did not end it, so a broken test
/// fails instead of hanging.
void guardTime(Reactor& reactor, bool& timedOut, torsion::Seconds limit = 10s) {
  reactor.callLater(limit, [&reactor, &timedOut] {
    timedOut = true;
    if (reactor.running()) {
      reactor.stop();
    }
  });
}

}  // namespace

TEST_CASE("react returns 0 when main's Deferred succeeds, after running the shutdown",
          "[application][react]") {
  torsion::testing::UnhandledFailureGuard guard;
  bool shutdownRan = false;
  bool timedOut = false;
  int status = torsion::react(
      [&shutdownRan, &timedOut](Reactor& reactor) -> Deferred<void> {
        guardTime(reactor, timedOut);
        reactor.addSystemEventTrigger(torsion::EventPhase::kBefore, torsion::SystemEvent::kShutdown,
                                      [&shutdownRan] { shutdownRan = true; });
        Deferred<void> later;
        reactor.callLater(0.01s, [later]() mutable { later.callback(); });
        return later;
      },
      quiet());
  CHECK(status == 0);
  CHECK(shutdownRan);
  CHECK_FALSE(timedOut);
}

TEST_CASE("react returns 1 and logs the failure when main's Deferred fails",
          "[application][react]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::test::CapturedLog log;
  bool timedOut = false;
  int status = torsion::react(
      [&timedOut](Reactor& reactor) -> Deferred<void> {
        guardTime(reactor, timedOut);
        Deferred<void> later;
        reactor.callLater(0.01s, [later]() mutable {
          later.errback(std::runtime_error("could not reach the database"));
        });
        return later;
      },
      quiet());
  CHECK(status == torsion::ReactStatus::kFailure);
  CHECK(log.contains("could not reach the database"));
  CHECK_FALSE(timedOut);
}

TEST_CASE("react returns 1 when main throws", "[application][react]") {
  torsion::test::CapturedLog log;
  int status = torsion::react(
      [](Reactor& /*reactor*/) -> Deferred<void> { throw std::runtime_error("bad config"); },
      quiet());
  CHECK(status == 1);
  CHECK(log.contains("bad config"));
}

TEST_CASE("react returns the status a Deferred<int> main fires with", "[application][react]") {
  int status = torsion::react(
      [](Reactor& /*reactor*/) -> Deferred<int> { return torsion::succeed(3); }, quiet());
  CHECK(status == 3);
}

TEST_CASE("react returns 0 when the reactor is stopped before main's Deferred fires",
          "[application][react]") {
  torsion::testing::UnhandledFailureGuard guard;
  bool timedOut = false;
  int status = torsion::react(
      [&timedOut](Reactor& reactor) -> Deferred<void> {
        guardTime(reactor, timedOut);
        reactor.callLater(0.01s, [&reactor] { reactor.stop(); });
        return Deferred<void>();  // never fires
      },
      quiet());
  CHECK(status == torsion::ReactStatus::kSuccess);
  CHECK_FALSE(timedOut);
}

TEST_CASE("react shuts down gracefully on SIGTERM and returns 0", "[application][react]") {
  torsion::testing::UnhandledFailureGuard guard;
  bool shutdownRan = false;
  bool timedOut = false;
  int status = torsion::react([&shutdownRan, &timedOut](Reactor& reactor) -> Deferred<void> {
    guardTime(reactor, timedOut);
    reactor.addSystemEventTrigger(torsion::EventPhase::kBefore, torsion::SystemEvent::kShutdown,
                                  [&shutdownRan] { shutdownRan = true; });
    reactor.callLater(0.01s, [] { std::raise(SIGTERM); });
    return Deferred<void>();  // a server: runs until signalled
  });
  CHECK(status == 0);
  CHECK(shutdownRan);
  CHECK_FALSE(timedOut);
}
