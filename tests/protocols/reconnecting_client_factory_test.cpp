// ReconnectingClientFactory: the back-off sequence, its limits, stopTrying and resetDelay.
#include <chrono>
#include <cmath>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/reconnecting_client_factory.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/fake_connector.hpp>
#include <torsion/testing/memory_reactor.hpp>
#include <torsion/testing/memory_reactor_clock.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/reactor.hpp>

#include "../transports/transports_test_support.hpp"
#include "policies_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file
using namespace std::chrono_literals;

namespace {

// Builds Recorders, calling resetDelay as Twisted's howto does.
class Client final : public ReconnectingClientFactory {
 public:
  Client(IReactorTime& clock, Record& record, ReconnectOptions options = {},
         UniqueFunction<double()> normal = {})
      : ReconnectingClientFactory(clock, options, std::move(normal)), record_(record) {}

  std::unique_ptr<Protocol> buildProtocol(const Address& /*addr*/) override {
    resetDelay();
    return std::make_unique<Recorder>(record_);
  }

 private:
  Record& record_;
};

// A normal source that replays `values` in a loop.
UniqueFunction<double()> replay(std::vector<double> values) {
  return [values = std::move(values), i = std::size_t{0}]() mutable {
    return values[i++ % values.size()];
  };
}

ReconnectOptions noJitter() {
  ReconnectOptions o;
  o.jitter = 0;
  return o;
}

Failure refused() {
  return Failure(ConnectionRefusedError("connection refused"));
}

// The delay of the retry now scheduled.
double scheduledDelay(const Clock& clock, const ReconnectingClientFactory& f) {
  REQUIRE(f.retryPending());
  return f.retryCall().getTime() - clock.seconds();
}

constexpr double kE = 2.7182818284590451;

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ReconnectingClientFactory grows the delay by the factor from initialDelay",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  Client factory(clock, record, noJitter());
  RecordingConnector connector;
  CHECK(factory.delay() == 1.0s);

  double expected = 1.0;
  for (int attempt = 1; attempt <= 5; ++attempt) {
    factory.clientConnectionFailed(connector, refused());
    expected *= kE;  // Twisted grows the delay before each retry, the first one included
    CHECK(scheduledDelay(clock, factory) == Approx(expected));
    CHECK(factory.retries() == attempt);
    CHECK(connector.connects == attempt - 1);
    clock.advance(Seconds{expected});
    CHECK(connector.connects == attempt);  // the retry called connector.connect()
  }
}

TEST_CASE("ReconnectingClientFactory jitters each delay with the normal source",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  ReconnectOptions options;
  options.jitter = 0.1;
  Client factory(clock, record, options, replay({1.0, -2.0, 0.0}));
  RecordingConnector connector;

  factory.clientConnectionFailed(connector, refused());
  const double d1 = kE * (1 + 0.1 * 1.0);
  CHECK(scheduledDelay(clock, factory) == Approx(d1));
  clock.advance(Seconds{d1});

  factory.clientConnectionFailed(connector, refused());
  const double d2 = d1 * kE * (1 + 0.1 * -2.0);  // the jittered delay is the next base
  CHECK(scheduledDelay(clock, factory) == Approx(d2));
  clock.advance(Seconds{d2});

  factory.clientConnectionFailed(connector, refused());
  CHECK(scheduledDelay(clock, factory) == Approx(d2 * kE));
}

TEST_CASE("ReconnectingClientFactory's default jitter stays within a few deviations",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  ReconnectOptions options;
  options.maxDelay = 1e9s;  // no cap within the 15 retries (e^15 is about 3.3e6)
  Client factory(clock, record, options);
  RecordingConnector connector;
  double base = 1.0;
  for (int attempt = 0; attempt < 15; ++attempt) {
    factory.clientConnectionFailed(connector, refused());
    const double grown = base * kE;
    const double delay = scheduledDelay(clock, factory);
    // Eight standard deviations: a false failure has odds of about 1e-15 per draw.
    CHECK(std::abs(delay - grown) <= grown * options.jitter * 8);
    base = delay;
    clock.advance(Seconds{delay});
  }
}

TEST_CASE("ReconnectingClientFactory caps the delay at maxDelay",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  ReconnectOptions options = noJitter();
  options.maxDelay = 10s;
  Client factory(clock, record, options);
  RecordingConnector connector;
  const std::vector<double> expected{kE, kE * kE, 10.0, 10.0, 10.0};
  for (const double delay : expected) {
    factory.clientConnectionLost(connector, Failure(ConnectionLost("gone")));
    CHECK(scheduledDelay(clock, factory) == Approx(delay));
    clock.advance(Seconds{delay});
  }
}

TEST_CASE("ReconnectingClientFactory gives up after maxRetries consecutive retries",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  ReconnectOptions options = noJitter();
  options.maxRetries = 3;
  Client factory(clock, record, options);
  RecordingConnector connector;
  LogCapture log;
  for (int attempt = 0; attempt < 3; ++attempt) {
    factory.clientConnectionFailed(connector, refused());
    REQUIRE(factory.retryPending());
    clock.advance(factory.delay());
  }
  CHECK(connector.connects == 3);
  factory.clientConnectionFailed(connector, refused());
  CHECK_FALSE(factory.retryPending());
  CHECK(clock.getDelayedCalls().empty());
  CHECK(log.contains("after 3 retries"));
}

TEST_CASE("ReconnectingClientFactory starts afresh after resetDelay",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  ReconnectOptions options = noJitter();
  options.maxRetries = 2;
  Client factory(clock, record, options);
  RecordingConnector connector;
  factory.clientConnectionFailed(connector, refused());
  clock.advance(factory.delay());
  factory.clientConnectionFailed(connector, refused());
  clock.advance(factory.delay());
  CHECK(factory.retries() == 2);

  // The second retry succeeds: buildProtocol calls resetDelay.
  auto protocol = factory.buildProtocol(Address::ipv4("127.0.0.1", 7));
  CHECK(factory.delay() == 1.0s);
  CHECK(factory.retries() == 0);

  factory.clientConnectionLost(connector, Failure(ConnectionLost("gone")));
  CHECK(scheduledDelay(clock, factory) == Approx(kE));
  CHECK(factory.retries() == 1);
}

TEST_CASE("stopTrying cancels the scheduled retry and stops the attempt in progress",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  Client factory(clock, record, noJitter());
  RecordingConnector connector;
  factory.startedConnecting(connector);
  factory.clientConnectionFailed(connector, refused());
  REQUIRE(factory.retryPending());

  factory.stopTrying();
  CHECK_FALSE(factory.retryPending());
  CHECK(clock.getDelayedCalls().empty());
  CHECK(connector.stops == 1);
  CHECK_FALSE(factory.continueTrying());
  clock.advance(1000s);
  CHECK(connector.connects == 0);

  // Nothing reported afterwards schedules a retry (Twisted's test_stopTryingWhenConnected).
  factory.clientConnectionLost(connector, Failure(ConnectionLost("gone")));
  CHECK(clock.getDelayedCalls().empty());
  factory.retry(connector);
  CHECK(clock.getDelayedCalls().empty());
}

TEST_CASE("stopTrying does not retry when stopping the attempt reports its failure at once",
          "[protocols][reconnecting_client_factory]") {
  // Twisted's test_stopTryingDoesNotReconnect: the connector reports the cancelled attempt from
  // inside stopConnecting.
  Clock clock;
  Record record;
  Client factory(clock, record);
  RecordingConnector connector;
  connector.onStopConnecting = [&factory, &connector] {
    factory.clientConnectionFailed(connector, Failure(ConnectingCancelledError("stopped")));
  };
  factory.startedConnecting(connector);
  factory.stopTrying();
  CHECK(connector.connects == 0);
  CHECK(clock.getDelayedCalls().empty());
}

TEST_CASE("ReconnectingClientFactory retry() reuses the last connector, and needs one",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  Client factory(clock, record, noJitter());
  CHECK_THROWS_AS(factory.retry(), ValueError);
  RecordingConnector connector;
  factory.startedConnecting(connector);
  factory.retry();
  clock.advance(factory.delay());
  CHECK(connector.connects == 1);
}

TEST_CASE("ReconnectingClientFactory's destructor cancels the scheduled retry",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  RecordingConnector connector;
  {
    Client factory(clock, record);
    factory.clientConnectionFailed(connector, refused());
    CHECK(clock.getDelayedCalls().size() == 1);
  }
  CHECK(clock.getDelayedCalls().empty());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ReconnectingClientFactory rejects options out of their domain",
          "[protocols][reconnecting_client_factory]") {
  Clock clock;
  Record record;
  auto withOption = [](auto set) {
    ReconnectOptions o;
    set(o);
    return o;
  };
  CHECK_THROWS_AS(Client(clock, record, withOption([](ReconnectOptions& o) { o.factor = 0.5; })),
                  ValueError);
  CHECK_THROWS_AS(
      Client(clock, record, withOption([](ReconnectOptions& o) { o.initialDelay = -1s; })),
      ValueError);
  CHECK_THROWS_AS(Client(clock, record, withOption([](ReconnectOptions& o) { o.jitter = NAN; })),
                  ValueError);
  CHECK_THROWS_AS(Client(clock, record, withOption([](ReconnectOptions& o) { o.maxRetries = -1; })),
                  ValueError);
}

// ---- through MemoryReactorClock: real connector calls, real protocols ---------------------------

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ReconnectingClientFactory's retry reconnects through the connector to a new protocol",
          "[protocols][reconnecting_client_factory]") {
  testing::MemoryReactorClock reactor;
  Record record;
  auto factory = std::make_shared<Client>(reactor, record, noJitter());
  (void)reactor.connectTCP("127.0.0.1", 8000, factory);
  testing::FakeConnector* connector = reactor.tcpClients().at(0).connector;
  reactor.advance(0s);  // startedConnecting
  CHECK(factory->connector() == connector);

  connector->fail(refused());
  REQUIRE(factory->retryPending());
  CHECK(connector->attempts() == 1);
  reactor.advance(Seconds{kE});
  reactor.advance(0s);  // the new attempt is settled on the next turn
  CHECK(connector->attempts() == 2);
  CHECK(connector->state() == testing::ConnectorState::kConnecting);

  auto* transport = connector->succeed();
  REQUIRE(transport != nullptr);
  CHECK(record.made == 1);
  CHECK(factory->retries() == 0);  // buildProtocol called resetDelay

  // A lost connection is retried too, starting from initialDelay again.
  transport->loseConnection();
  reactor.advance(0s);
  CHECK(record.lost == 1);
  REQUIRE(factory->retryPending());
  CHECK(scheduledDelay(reactor.clock(), *factory) == Approx(kE));
  reactor.advance(Seconds{kE});
  reactor.advance(0s);
  CHECK(connector->attempts() == 3);
  auto* second = connector->succeed();
  REQUIRE(second != nullptr);
  CHECK(record.made == 2);

  // After stopTrying, losing the connection ends it for good.
  factory->stopTrying();
  second->loseConnection();
  reactor.advance(0s);
  CHECK_FALSE(factory->retryPending());
  CHECK(reactor.getDelayedCalls().empty());
  CHECK(connector->attempts() == 3);
}

TEST_CASE("ReconnectingClientFactory makes maxRetries retries against a refusing server",
          "[protocols][reconnecting_client_factory]") {
  testing::MemoryReactorClock reactor;
  reactor.setConnectOutcome(testing::ConnectOutcome::kFail);
  Record record;
  ReconnectOptions options = noJitter();
  options.maxRetries = 3;
  auto factory = std::make_shared<Client>(reactor, record, options);
  (void)reactor.connectTCP("127.0.0.1", 8000, factory);
  for (int step = 0; step < 50 && reactor.advanceToNext(); ++step) {
  }
  CHECK(reactor.tcpClients().at(0).connector->attempts() == 4);  // the first, then 3 retries
  CHECK(reactor.getDelayedCalls().empty());
  CHECK(record.made == 0);
}

TEST_CASE("ReconnectingClientFactory's stopTrying stops the attempt in progress",
          "[protocols][reconnecting_client_factory]") {
  testing::MemoryReactorClock reactor;
  Record record;
  auto factory = std::make_shared<Client>(reactor, record);
  (void)reactor.connectTCP("127.0.0.1", 8000, factory);
  testing::FakeConnector* connector = reactor.tcpClients().at(0).connector;
  reactor.advance(0s);
  factory->stopTrying();
  CHECK(connector->stopConnectingCalls() == 1);
  reactor.advance(0s);  // the cancelled attempt is reported: no retry follows
  CHECK(connector->state() == testing::ConnectorState::kDisconnected);
  CHECK(reactor.getDelayedCalls().empty());
  CHECK(connector->attempts() == 1);
}

// ---- on the real Reactor: the connector must stay valid for the delayed retry -------------------

namespace {

// A loopback TCP port with nothing listening on it: bound once to learn a free port, then closed.
std::uint16_t unusedLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0 &&        // NOLINT
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;  // NOLINT
  ::close(fd);
  REQUIRE(ok);
  return ntohs(addr.sin_port);
}

ReconnectOptions quickRetries() {
  ReconnectOptions o;
  o.initialDelay = Seconds{0.01};
  o.factor = 1.0;
  o.jitter = 0;
  return o;
}

// A reconnecting client whose protocols say "hello" and record into `record`; `onFailed` runs
// after each failed attempt has been handled (the retry is scheduled by then).
class HelloClient final : public ReconnectingClientFactory {
 public:
  HelloClient(IReactorTime& clock, Record& record, std::function<void(Recorder&)> setup)
      : ReconnectingClientFactory(clock, quickRetries()),
        record_(record),
        setup_(std::move(setup)) {}

  std::unique_ptr<Protocol> buildProtocol(const Address& /*addr*/) override {
    resetDelay();
    auto p = std::make_unique<Recorder>(record_);
    p->onMade = [](Recorder& self) { self.transport()->write("hello"); };
    setup_(*p);
    return p;
  }

  void clientConnectionFailed(IConnector& connector, const Failure& reason) override {
    ++failures;
    ReconnectingClientFactory::clientConnectionFailed(connector, reason);
    if (onFailed) {
      onFailed();
    }
  }

  int failures = 0;
  std::function<void()> onFailed;

 private:
  Record& record_;
  std::function<void(Recorder&)> setup_;
};

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE(
    "ReconnectingClientFactory retries on the Reactor until a server appears, and after "
    "a lost connection",
    "[protocols][reconnecting_client_factory][reactor]") {
  const ReactorBackend backend = anyBackend();
  INFO(backendName(backend));
  Harness h(backend);
  const std::uint16_t port = unusedLoopbackPort();
  Record client;
  Events server;
  int echoes = 0;
  // The server echoes, then drops the first connection; the second ends the test.
  auto serverFactory = testFactory(server, std::function<void(TestProtocol&)>([](TestProtocol& p) {
                                     p.onData = [](TestProtocol& self, std::string_view d) {
                                       self.transport()->write(d);
                                       self.transport()->loseConnection();
                                     };
                                   }));
  HelloClient* raw = nullptr;
  auto factory = std::make_shared<HelloClient>(h.reactor, client, [&](Recorder& p) {
    p.onData = [&](Recorder& self, std::string_view /*data*/) {
      if (client.received != "hello" && client.received != "hellohello") {
        return;  // the echo may arrive in pieces
      }
      ++echoes;
      if (echoes == 2) {
        // Reconnected after the loss: done. The factory lets go of its connector.
        self.transport()->loseConnection();
        raw->stopTrying();
        h.stop();
      }
    };
  });
  raw = factory.get();
  raw->onFailed = [&h, raw, port, serverFactory] {
    // Three refused attempts (each retried from a timer through the same connector), then the
    // server starts listening.
    if (raw->failures == 3) {
      h.reactor.listenTCP(port, serverFactory, 50, "127.0.0.1");
    }
  };
  const std::weak_ptr<HelloClient> alive = factory;
  // The application keeps no reference: the connector keeps the retrying factory alive.
  (void)h.reactor.connectTCP("127.0.0.1", port, std::move(factory));
  h.run();
  CHECK(raw->failures == 3);
  CHECK(client.made == 2);
  CHECK(client.received == "hellohello");
  CHECK(server.received == "hellohello");
  CHECK(echoes == 2);
  CHECK(alive.expired());  // the connector and its factory are gone: nothing leaked
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ReconnectingClientFactory's stopTrying between retries releases the Reactor's connector",
          "[protocols][reconnecting_client_factory][reactor]") {
  const ReactorBackend backend = anyBackend();
  INFO(backendName(backend));
  Harness h(backend);
  Record client;
  auto factory = std::make_shared<HelloClient>(h.reactor, client, [](Recorder&) {});
  HelloClient* raw = factory.get();
  std::size_t liveWhileKept = 0;
  raw->onFailed = [&h, raw, &liveWhileKept] {
    if (raw->failures == 2) {
      // From a later turn, outside every hook, while the retry is pending: the idle connector
      // is kept for it until stopTrying releases it.
      h.reactor.callLater(Seconds{0}, [&h, raw, &liveWhileKept] {
        liveWhileKept = h.reactor.liveTransports();
        REQUIRE(raw->retryPending());
        raw->stopTrying();
        CHECK(raw->connector() == nullptr);
        h.reactor.callLater(Seconds{0.05}, [&h] { h.stop(); });
      });
    }
  };
  const std::weak_ptr<HelloClient> alive = factory;
  (void)h.reactor.connectTCP("127.0.0.1", unusedLoopbackPort(), std::move(factory));
  h.run();                    // checks that nothing is left
  CHECK(liveWhileKept == 1);  // the kept connector
  CHECK(alive.expired());
  CHECK(client.made == 0);
}
