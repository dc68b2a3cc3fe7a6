#include <csignal>
#include <string>
#include <vector>

#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/reactor/errors.hpp>
#include <torsion/reactor/reactor_core.hpp>

#include "reactor_test_support.hpp"

using namespace std::chrono_literals;
using torsion::EventPhase;
using torsion::ReactorCore;
using torsion::SystemEvent;

TEST_CASE("run returns after stop, and stop outside run is a clear error", "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  REQUIRE_FALSE(reactor.running());
  REQUIRE_THROWS_AS(reactor.stop(), torsion::ReactorNotRunning);
  bool wasRunning = false;
  reactor.callLater(0s, [&] {
    wasRunning = reactor.running();
    reactor.stop();
  });
  torsion::test::runBounded(reactor);
  REQUIRE(wasRunning);
  REQUIRE_FALSE(reactor.running());
}

TEST_CASE("Stopping twice is a clear error and the reactor still shuts down",
          "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::string second;
  reactor.callLater(0s, [&] {
    reactor.stop();
    try {
      reactor.stop();
    } catch (const torsion::ReactorNotRunning& e) {
      second = e.what();
    }
  });
  torsion::test::runBounded(reactor);
  REQUIRE(second == "stop: the reactor is already stopping");
}

TEST_CASE("run inside run is a clear error", "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  bool threw = false;
  reactor.callLater(0s, [&] {
    try {
      reactor.run();
    } catch (const torsion::ReactorAlreadyRunning&) {
      threw = true;
    }
    reactor.stop();
  });
  torsion::test::runBounded(reactor);
  REQUIRE(threw);
}

TEST_CASE("callWhenRunning runs at startup, or on a later turn once running",
          "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<std::string> log;
  reactor.callWhenRunning([&] {
    log.emplace_back("startup");
    reactor.callWhenRunning([&] {
      log.emplace_back("later");
      reactor.stop();
    });
    log.emplace_back("after registering");  // the second call did not run inside the first
  });
  REQUIRE(log.empty());
  torsion::test::runBounded(reactor);
  REQUIRE(log == std::vector<std::string>{"startup", "after registering", "later"});
}

TEST_CASE("Shutdown triggers run before, during, then after, and a reactor can run again",
          "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<std::string> log;
  reactor.addSystemEventTrigger(EventPhase::kAfter, SystemEvent::kShutdown,
                                [&] { log.emplace_back("after"); });
  reactor.addSystemEventTrigger(EventPhase::kBefore, SystemEvent::kShutdown,
                                [&] { log.emplace_back("before"); });
  auto removed = reactor.addSystemEventTrigger(EventPhase::kDuring, SystemEvent::kShutdown,
                                               [&] { log.emplace_back("removed"); });
  reactor.addSystemEventTrigger(EventPhase::kDuring, SystemEvent::kShutdown, [&] {
    log.emplace_back("during");
    REQUIRE(reactor.running());  // still running while the sequence is under way
  });
  reactor.removeSystemEventTrigger(removed);
  reactor.callLater(0s, [&] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(log == std::vector<std::string>{"before", "during", "after"});

  reactor.callLater(0s, [&] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(log.size() == 6);  // persistent triggers fire on every shutdown
}

TEST_CASE("A throwing trigger is logged and shutdown completes", "[reactor][lifecycle]") {
  torsion::test::CapturedLog log;
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  bool after = false;
  reactor.addSystemEventTrigger(EventPhase::kBefore, SystemEvent::kShutdown,
                                [] { throw std::logic_error("bad trigger"); });
  reactor.addSystemEventTrigger(EventPhase::kAfter, SystemEvent::kShutdown, [&] { after = true; });
  reactor.callLater(0s, [&] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(after);
  REQUIRE(log.contains("bad trigger"));
}

TEST_CASE("SIGTERM stops a running reactor gracefully through its shutdown triggers",
          "[reactor][lifecycle][signals]") {
  struct sigaction before {};

  ::sigaction(SIGTERM, nullptr, &before);  // Catch2 installs its own; run() must restore it
  torsion::ReactorOptions options;
  options.backend = torsion::test::anyBackend();
  ReactorCore reactor(options);  // installs signal handlers
  bool shutdownRan = false;
  reactor.addSystemEventTrigger(EventPhase::kBefore, SystemEvent::kShutdown,
                                [&] { shutdownRan = true; });
  reactor.callLater(0s, [] { ::kill(::getpid(), SIGTERM); });
  torsion::test::runBounded(reactor);
  REQUIRE(shutdownRan);

  // run() restored the previous disposition.
  struct sigaction after {};

  ::sigaction(SIGTERM, nullptr, &after);
  REQUIRE(after.sa_handler == before.sa_handler);
}

TEST_CASE("A zero-delay call made by a timer runs after pending I/O", "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::array<int, 2> fds{};
  REQUIRE(::pipe(fds.data()) == 0);

  struct Reader final : torsion::IReadDescriptor {
    int fd;
    std::vector<std::string>* log;
    torsion::ReactorCore* reactor;

    [[nodiscard]] int fileno() const override { return fd; }

    void doRead() override {
      char c = 0;
      REQUIRE(::read(fd, &c, 1) == 1);
      log->emplace_back("io");
      reactor->removeReader(*this);
    }
  };

  std::vector<std::string> log;
  Reader reader;
  reader.fd = fds[0];
  reader.log = &log;
  reader.reactor = &reactor;
  reactor.addReader(reader);
  reactor.callLater(0s, [&] {
    log.emplace_back("timer");
    REQUIRE(::write(fds[1], "x", 1) == 1);  // I/O is now pending
    reactor.callLater(0s, [&] {
      log.emplace_back("zero-delay");
      reactor.stop();
    });
  });
  torsion::test::runBounded(reactor);
  REQUIRE(log == std::vector<std::string>{"timer", "io", "zero-delay"});
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST_CASE("iterate runs one turn for a host that drives the loop", "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  int calls = 0;
  reactor.callLater(0s, [&calls] { ++calls; });
  reactor.callLater(1h, [&calls] { ++calls; });
  reactor.iterate(0s);
  REQUIRE(calls == 1);
  reactor.iterate(0s);
  REQUIRE(calls == 1);
  REQUIRE_THROWS_AS(reactor.iterate(torsion::Seconds{-1}), torsion::ValueError);
}

TEST_CASE("iterate waits for a due call but no longer than its timeout", "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  bool ran = false;
  reactor.callLater(20ms, [&ran] { ran = true; });
  const double start = reactor.seconds();
  for (int turn = 0; turn < 1000 && !ran; ++turn) {
    reactor.iterate(1s);
  }
  REQUIRE(ran);
  REQUIRE(reactor.seconds() - start >= 0.02);
}

TEST_CASE("The backend comes from the options, else from TORSION_REACTOR", "[reactor][lifecycle]") {
  REQUIRE(torsion::parseReactorBackend("uv") == torsion::ReactorBackend::kUv);
  REQUIRE(torsion::backendName(torsion::ReactorBackend::kPoll) == "poll");
  REQUIRE_THROWS_WITH(
      torsion::parseReactorBackend("kqueue"),
      Catch::Contains("unknown reactor backend 'kqueue'") && Catch::Contains("epoll, poll, uv"));

  ::setenv("TORSION_REACTOR", "poll", 1);
  {
    torsion::ReactorOptions options;
    options.installSignalHandlers = false;
    ReactorCore reactor(options);
    REQUIRE(reactor.backend() == torsion::ReactorBackend::kPoll);
  }
  ::setenv("TORSION_REACTOR", "select", 1);
  REQUIRE_THROWS_WITH(ReactorCore(torsion::ReactorOptions{}),
                      Catch::StartsWith("TORSION_REACTOR: "));
  ::unsetenv("TORSION_REACTOR");
  REQUIRE(torsion::defaultReactorBackend() == torsion::ReactorBackend::kEpoll);
}

TEST_CASE("A before-shutdown trigger's Deferred holds shutdown until it fires",
          "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<std::string> log;
  torsion::Deferred<void> drained;
  reactor.addSystemEventTrigger(EventPhase::kBefore, SystemEvent::kShutdown,
                                [&]() -> torsion::Deferred<void> {
                                  log.emplace_back("before");
                                  // Work that finishes two turns later, e.g. draining clients.
                                  reactor.callLater(20ms, [&] {
                                    log.emplace_back("drained");
                                    drained.callback();
                                  });
                                  return drained;
                                });
  reactor.addSystemEventTrigger(EventPhase::kDuring, SystemEvent::kShutdown,
                                [&] { log.emplace_back("during"); });
  reactor.addSystemEventTrigger(EventPhase::kAfter, SystemEvent::kShutdown,
                                [&] { log.emplace_back("after"); });
  reactor.callLater(0s, [&] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(log == std::vector<std::string>{"before", "drained", "during", "after"});
}

TEST_CASE("A failing before-shutdown Deferred is logged and shutdown goes on",
          "[reactor][lifecycle]") {
  torsion::test::CapturedLog captured;
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  bool after = false;
  torsion::Deferred<void> pending;
  reactor.addSystemEventTrigger(
      EventPhase::kBefore, SystemEvent::kShutdown, [&]() -> torsion::Deferred<void> {
        reactor.callLater(5ms, [&] { pending.errback(std::runtime_error("drain failed")); });
        return pending;
      });
  reactor.addSystemEventTrigger(EventPhase::kBefore, SystemEvent::kShutdown,
                                []() -> torsion::Deferred<void> {
                                  return torsion::fail<void>(std::runtime_error("at once"));
                                });
  reactor.addSystemEventTrigger(EventPhase::kAfter, SystemEvent::kShutdown, [&] { after = true; });
  reactor.callLater(0s, [&] { reactor.stop(); });
  torsion::test::runBounded(reactor);
  REQUIRE(after);
  REQUIRE(captured.contains("drain failed"));
  REQUIRE(captured.contains("at once"));
}

TEST_CASE("A before-startup Deferred holds callWhenRunning calls until it fires",
          "[reactor][lifecycle]") {
  ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
  std::vector<std::string> log;
  torsion::Deferred<void> ready;
  reactor.addSystemEventTrigger(EventPhase::kBefore, SystemEvent::kStartup,
                                [&]() -> torsion::Deferred<void> {
                                  reactor.callLater(10ms, [&] {
                                    log.emplace_back("ready");
                                    ready.callback();
                                  });
                                  return ready;
                                });
  reactor.callWhenRunning([&] {
    log.emplace_back("running");
    reactor.stop();
  });
  torsion::test::runBounded(reactor);
  REQUIRE(log == std::vector<std::string>{"ready", "running"});
}

TEST_CASE("crash leaves run at once, abandoning a shutdown that waits on a Deferred",
          "[reactor][lifecycle]") {
  torsion::Deferred<void> never;
  bool afterRan = false;
  {
    ReactorCore reactor(torsion::test::quietOptions(torsion::test::anyBackend()));
    reactor.addSystemEventTrigger(EventPhase::kBefore, SystemEvent::kShutdown,
                                  [&]() -> torsion::Deferred<void> { return never; });
    reactor.addSystemEventTrigger(EventPhase::kAfter, SystemEvent::kShutdown,
                                  [&] { afterRan = true; });
    reactor.callLater(0s, [&] { reactor.stop(); });
    // Shutdown now waits on `never` forever; only crash() gets out.
    reactor.callLater(30ms, [&] { reactor.crash(); });
    torsion::test::runBounded(reactor);
    REQUIRE_FALSE(reactor.running());
    reactor.crash();  // not running: does nothing
  }
  REQUIRE_FALSE(afterRan);
  never.callback();  // fires after the reactor is gone: nothing to resume, no crash
}
