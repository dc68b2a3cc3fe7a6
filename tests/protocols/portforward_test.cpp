// Port forwarding (ProxyFactory, ProxyServer, ProxyClient): data both ways, back-pressure in
// each direction, close propagation with nothing lost, both sides closing in the same turn, the
// backend failing or connecting late; on StringTransports, through MemoryReactor's connectors,
// and end to end through two loopback pumps.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/protocols/portforward/proxy_client.hpp>
#include <torsion/protocols/portforward/proxy_client_factory.hpp>
#include <torsion/protocols/portforward/proxy_factory.hpp>
#include <torsion/protocols/portforward/proxy_server.hpp>
#include <torsion/testing/fake_connector.hpp>
#include <torsion/testing/loopback_pump.hpp>
#include <torsion/testing/memory_reactor.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/ipush_producer.hpp>
#include <torsion/transports/itcp_transport.hpp>

#include "../transports/transports_test_support.hpp"
#include "policies_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file
using torsion::testing::LossDelivery;
using torsion::testing::ProducerState;
using torsion::testing::StringTransportOptions;
using torsion::testing::StringTransportWithDisconnection;

namespace {

const Address kBackend = Address::ipv4("127.0.0.1", 9000);
constexpr std::size_t kHigh = torsion::testing::StringTransport::kHighWatermark;
constexpr std::size_t kLow = torsion::testing::StringTransport::kLowWatermark;

/// A client endpoint whose attempts the test settles: `succeed` builds the protocol with the
/// factory given to `connect` (the ProxyClientFactory) and connects it to a transport the test
/// chose; `fail` reports a failure. It stands in for a real endpoint so that the test picks the
/// backend transport's buffer and loss delivery.
class ScriptedEndpoint final : public IStreamClientEndpoint {
 public:
  struct Attempt {
    std::shared_ptr<Factory> factory;
    ConnectedCallback onConnected;
    FailedCallback onFailed;
    RecordingConnector connector;
    std::unique_ptr<Protocol> protocol;  // once succeeded: the ProxyClient (or null if refused)
  };

  IConnector& connect(std::shared_ptr<Factory> factory, ConnectedCallback onConnected,
                      FailedCallback onFailed) override {
    auto attempt = std::make_unique<Attempt>();
    attempt->factory = std::move(factory);
    attempt->onConnected = std::move(onConnected);
    attempt->onFailed = std::move(onFailed);
    attempts.push_back(std::move(attempt));
    return attempts.back()->connector;
  }

  /// Connects attempt `i` over `transport`; returns the protocol built (null if refused).
  Protocol* succeed(std::size_t i, StringTransportWithDisconnection& transport) {
    Attempt& attempt = *attempts.at(i);
    attempt.protocol = attempt.factory->buildProtocol(kBackend);
    if (!attempt.protocol) {
      return nullptr;
    }
    transport.connect(*attempt.protocol);
    if (attempt.onConnected) {
      attempt.onConnected(*attempt.protocol);
    }
    return attempt.protocol.get();
  }

  /// Connects attempt `i` to `backend` through a new loopback pump, which owns both.
  std::unique_ptr<torsion::testing::LoopbackPump> succeedOverPump(
      std::size_t i, std::unique_ptr<Protocol> backend, torsion::testing::LoopbackOptions options) {
    Attempt& attempt = *attempts.at(i);
    auto pump = torsion::testing::connectedServerAndClient(
        std::move(backend), attempt.factory->buildProtocol(kBackend), std::move(options));
    if (attempt.onConnected) {
      attempt.onConnected(pump->client());
    }
    return pump;
  }

  void fail(std::size_t i, const Failure& reason) {
    if (auto fn = std::exchange(attempts.at(i)->onFailed, nullptr)) {
      fn(reason);
    }
  }

  std::vector<std::unique_ptr<Attempt>> attempts;
};

/// A ProxyFactory on a ScriptedEndpoint the test keeps a pointer to.
struct Forwarder {
  Forwarder() {
    auto owned = std::make_unique<ScriptedEndpoint>();
    endpoint = owned.get();
    factory = std::make_shared<ProxyFactory>(std::move(owned));
  }

  ScriptedEndpoint* endpoint = nullptr;
  std::shared_ptr<ProxyFactory> factory;
};

/// A transport with the real transport's watermarks (or unlimited), and loss delivery.
std::unique_ptr<StringTransportWithDisconnection> makeTransport(
    bool finite, LossDelivery delivery = LossDelivery::kSynchronous) {
  StringTransportOptions options;
  if (finite) {
    options.writeBufferLimit = kHigh;
  }
  return std::make_unique<StringTransportWithDisconnection>(options, delivery);
}

/// One forwarded connection on StringTransports: the accepted side (`server`, over
/// `serverTransport`) and the backend side (`client`, over `backendTransport`).
struct Forwarded {
  explicit Forwarded(bool finiteServer = false, bool finiteBackend = false,
                     LossDelivery delivery = LossDelivery::kSynchronous)
      : serverTransport(makeTransport(finiteServer, delivery)),
        backendTransport(makeTransport(finiteBackend, delivery)),
        serverOwned(forwarder.factory->buildProtocol(Address::ipv4("127.0.0.1", 54321))),
        server(dynamic_cast<ProxyServer*>(serverOwned.get())) {
    REQUIRE(server != nullptr);
    serverTransport->connect(*server);
  }

  /// Settles the backend attempt successfully.
  ProxyClient& connectBackend() {
    Protocol* made = forwarder.endpoint->succeed(0, *backendTransport);
    REQUIRE(made != nullptr);
    client = dynamic_cast<ProxyClient*>(made);
    REQUIRE(client != nullptr);
    return *client;
  }

  Forwarder forwarder;
  std::unique_ptr<StringTransportWithDisconnection> serverTransport;
  std::unique_ptr<StringTransportWithDisconnection> backendTransport;
  std::unique_ptr<Protocol> serverOwned;
  ProxyServer* server = nullptr;
  ProxyClient* client = nullptr;
};

/// Which way bytes travel in a directional test.
enum class Direction : std::uint8_t { kBackendToClient, kClientToBackend };

const char* name(Direction d) {
  return d == Direction::kBackendToClient ? "backend to client" : "client to backend";
}

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ProxyServer reads nothing until the backend is up, then bytes flow both ways",
          "[protocols][portforward]") {
  Forwarded f;
  REQUIRE(f.forwarder.endpoint->attempts.size() == 1);
  CHECK(f.server->connecting());
  CHECK(f.serverTransport->producerState() == ProducerState::kPaused);

  // A transport should deliver nothing while paused; if one does, nothing is lost.
  f.server->dataReceived("early ");
  CHECK(f.backendTransport->value().empty());

  ProxyClient& client = f.connectBackend();
  CHECK_FALSE(f.server->connecting());
  CHECK(f.server->peer() == &client);
  CHECK(client.peer() == f.server);
  CHECK(f.serverTransport->producerState() == ProducerState::kProducing);
  // Each transport is the other's streaming producer.
  CHECK(f.serverTransport->producer() == f.backendTransport.get());
  CHECK(f.serverTransport->streaming());
  CHECK(f.backendTransport->producer() == f.serverTransport.get());
  CHECK(f.backendTransport->streaming());
  CHECK(f.backendTransport->value() == "early ");

  f.server->dataReceived("hello");
  f.server->dataReceived(std::string(3, '\0'));
  client.dataReceived("world");
  CHECK(f.backendTransport->value() == "early hello" + std::string(3, '\0'));
  CHECK(f.serverTransport->value() == "world");
  CHECK_FALSE(f.serverTransport->disconnecting());
  CHECK_FALSE(f.backendTransport->disconnecting());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("A slow reader pauses reading on the other side until its buffer drains to the low mark",
          "[protocols][portforward]") {
  const Direction direction = GENERATE(Direction::kBackendToClient, Direction::kClientToBackend);
  CAPTURE(name(direction));
  const bool toClient = direction == Direction::kBackendToClient;
  // Only the slow reader's transport has a finite buffer; the other one is the producer.
  Forwarded f(toClient, !toClient);
  ProxyClient& client = f.connectBackend();
  Proxy& reader = toClient ? static_cast<Proxy&>(client) : *f.server;
  StringTransportWithDisconnection& slow = toClient ? *f.serverTransport : *f.backendTransport;
  StringTransportWithDisconnection& fast = toClient ? *f.backendTransport : *f.serverTransport;

  const std::string bytes = pattern(kHigh + 4096);
  reader.dataReceived(std::string_view(bytes).substr(0, kHigh));
  CHECK(fast.producerState() == ProducerState::kProducing);  // at the mark, not past it
  reader.dataReceived(std::string_view(bytes).substr(kHigh));
  CHECK(fast.producerState() == ProducerState::kPaused);
  CHECK(slow.producerPaused());

  std::string delivered = slow.drain(slow.unsent() - (kLow + 1));
  CHECK(fast.producerState() == ProducerState::kPaused);  // above the low mark: still paused
  delivered += slow.drain(1);
  CHECK(fast.producerState() == ProducerState::kProducing);
  delivered += slow.drainAll();
  CHECK(delivered == bytes);  // every byte, in order
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("When one side's connection is lost, the other closes only after flushing its bytes",
          "[protocols][portforward]") {
  const Direction direction = GENERATE(Direction::kBackendToClient, Direction::kClientToBackend);
  CAPTURE(name(direction));
  // kBackendToClient: the backend's connection is lost and the client's transport must flush
  // what the backend sent before it; and the other way round.
  const bool backendCloses = direction == Direction::kBackendToClient;
  Forwarded f(backendCloses, !backendCloses);
  ProxyClient& client = f.connectBackend();
  Proxy& closer = backendCloses ? static_cast<Proxy&>(client) : *f.server;
  Proxy& survivor = backendCloses ? static_cast<Proxy&>(*f.server) : client;
  StringTransportWithDisconnection& closerTransport =
      backendCloses ? *f.backendTransport : *f.serverTransport;
  StringTransportWithDisconnection& survivorTransport =
      backendCloses ? *f.serverTransport : *f.backendTransport;

  const std::string bytes = pattern(3 * kHigh);
  closer.dataReceived(bytes);  // unsent on the survivor's side: its reader is slow
  // The connection is lost (a reset, say): the transport runs connectionLost at once.
  closerTransport.abortConnection();
  CHECK_FALSE(closer.connected());
  CHECK(closer.peer() == nullptr);
  CHECK(survivor.peer() == nullptr);

  // The survivor's transport was told to close, and nothing is registered on it any more,
  // which a transport needs before it finishes a loseConnection; it still holds the bytes.
  CHECK(survivorTransport.disconnecting());
  CHECK_FALSE(survivorTransport.aborted());
  CHECK(survivorTransport.producer() == nullptr);
  CHECK(survivor.connected());
  std::string delivered = survivorTransport.drain(kHigh);
  CHECK(survivor.connected());
  delivered += survivorTransport.drainAll();
  CHECK_FALSE(survivor.connected());  // closed once flushed
  REQUIRE(survivorTransport.reason().has_value());
  CHECK(survivorTransport.reason()->check<ConnectionDone>());
  CHECK(delivered == bytes);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("A FIN from one side becomes a half-close of the other after its bytes",
          "[protocols][portforward]") {
  const Direction direction = GENERATE(Direction::kBackendToClient, Direction::kClientToBackend);
  CAPTURE(name(direction));
  const bool backendFin = direction == Direction::kBackendToClient;
  Forwarded f;
  ProxyClient& client = f.connectBackend();
  Proxy& sender = backendFin ? static_cast<Proxy&>(client) : *f.server;
  Proxy& other = backendFin ? static_cast<Proxy&>(*f.server) : client;
  StringTransportWithDisconnection& otherTransport =
      backendFin ? *f.serverTransport : *f.backendTransport;
  StringTransportWithDisconnection& senderTransport =
      backendFin ? *f.backendTransport : *f.serverTransport;

  sender.dataReceived("last words");
  sender.readConnectionLost();
  CHECK(otherTransport.value() == "last words");
  CHECK(otherTransport.writeClosed());  // the FIN, after the bytes
  CHECK_FALSE(otherTransport.disconnecting());
  // The other direction still works: the answer goes back to the side that sent the FIN.
  other.dataReceived("answer");
  CHECK(senderTransport.value() == "answer");
  CHECK_FALSE(senderTransport.disconnecting());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Both sides lost in the same turn, each destroyed after its connectionLost",
          "[protocols][portforward]") {
  const bool serverFirst = GENERATE(true, false);
  CAPTURE(serverFirst);
  Forwarded f(false, false, LossDelivery::kOnRequest);
  f.connectBackend();
  f.serverTransport->abortConnection();
  f.backendTransport->abortConnection();
  REQUIRE(f.serverTransport->closePending());
  REQUIRE(f.backendTransport->closePending());

  // As the reactor does at the end of a turn: connectionLost, then the connection (protocol
  // and transport) is destroyed. Under AddressSanitizer a stale peer or producer pointer fails.
  auto& attempt = *f.forwarder.endpoint->attempts.at(0);
  auto loseServer = [&f] {
    CHECK(f.serverTransport->deliverConnectionLost());
    if (f.backendTransport) {
      CHECK(f.backendTransport->producer() == nullptr);
    }
    f.serverOwned.reset();
    f.serverTransport.reset();
  };
  auto loseBackend = [&f, &attempt] {
    CHECK(f.backendTransport->deliverConnectionLost());
    if (f.serverTransport) {
      CHECK(f.serverTransport->producer() == nullptr);
    }
    attempt.protocol.reset();
    f.backendTransport.reset();
  };
  if (serverFirst) {
    loseServer();
    loseBackend();
  } else {
    loseBackend();
    loseServer();
  }
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("A proxy side destroyed without connectionLost leaves its peer no dangling pointer",
          "[protocols][portforward]") {
  Forwarded f;
  ProxyClient& client = f.connectBackend();
  f.serverOwned.reset();  // a connection torn down without connectionLost
  CHECK(client.peer() == nullptr);
  CHECK(f.backendTransport->producer() == nullptr);
  CHECK_FALSE(client.connected());  // told to close; the transport delivered it at once
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("A backend that cannot be reached closes the client's connection and logs why",
          "[protocols][portforward]") {
  torsion::testing::MemoryReactor reactor;
  auto factory =
      std::make_shared<ProxyFactory>(clientFromString(reactor, "tcp:host=127.0.0.1:port=9000"));
  LogCapture log;
  StringTransportWithDisconnection transport;
  auto server = factory->buildProtocol(Address::ipv4("127.0.0.1", 40001));
  transport.connect(*server);

  REQUIRE(reactor.tcpClients().size() == 1);
  CHECK(reactor.tcpClients()[0].host == "127.0.0.1");
  CHECK(reactor.tcpClients()[0].port == 9000);
  CHECK(transport.producerState() == ProducerState::kPaused);
  reactor.runPending();  // startedConnecting, as on a later turn

  reactor.tcpClients()[0].connector->fail(
      Failure(ConnectionRefusedError("connecting to 127.0.0.1:9000: Connection refused")));
  CHECK(transport.disconnecting());
  CHECK_FALSE(server->connected());
  REQUIRE(transport.reason().has_value());
  CHECK(transport.reason()->check<ConnectionDone>());
  CHECK(log.contains("backend connection failed"));
  CHECK(log.contains("Connection refused"));
  CHECK(log.contains(transport.getPeer().toString()));
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("Through MemoryReactor's connector the proxy joins the backend connection it made",
          "[protocols][portforward]") {
  torsion::testing::MemoryReactor reactor;
  auto factory =
      std::make_shared<ProxyFactory>(clientFromString(reactor, "tcp:host=127.0.0.1:port=9000"));
  StringTransportWithDisconnection transport;
  auto server = factory->buildProtocol(Address::ipv4("127.0.0.1", 40001));
  transport.connect(*server);
  REQUIRE(reactor.tcpClients().size() == 1);

  auto* backend = reactor.tcpClients()[0].connector->succeed();
  REQUIRE(backend != nullptr);
  REQUIRE(dynamic_cast<ProxyClient*>(backend->protocol()) != nullptr);
  CHECK(transport.producerState() == ProducerState::kProducing);
  CHECK(transport.producer() == backend);
  CHECK(backend->producer() == &transport);

  server->dataReceived("GET / HTTP/1.0\r\n\r\n");
  backend->protocol()->dataReceived("HTTP/1.0 200 OK\r\n");
  CHECK(backend->value() == "GET / HTTP/1.0\r\n\r\n");
  CHECK(transport.value() == "HTTP/1.0 200 OK\r\n");

  backend->abortConnection();  // the backend connection is lost: the client is closed too
  CHECK(transport.disconnecting());
  CHECK_FALSE(transport.aborted());
  CHECK_FALSE(server->connected());
  CHECK(transport.producer() == nullptr);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("A client that hangs up while the backend is connecting cancels the attempt",
          "[protocols][portforward]") {
  SECTION("through MemoryReactor: stopConnecting, and the late cancellation reaches nobody") {
    torsion::testing::MemoryReactor reactor;
    auto factory =
        std::make_shared<ProxyFactory>(clientFromString(reactor, "tcp:host=127.0.0.1:port=9000"));
    LogCapture log;
    auto transport = std::make_unique<StringTransportWithDisconnection>();
    auto server = factory->buildProtocol(Address::ipv4("127.0.0.1", 40001));
    transport->connect(*server);
    transport->loseConnection();
    CHECK_FALSE(server->connected());
    server.reset();
    transport.reset();

    auto* connector = reactor.tcpClients().at(0).connector;
    CHECK(connector->stopConnectingCalls() == 1);
    reactor.runPending();  // ConnectingCancelledError is reported now, to a server long gone
    CHECK(connector->state() == torsion::testing::ConnectorState::kDisconnected);
    CHECK_FALSE(log.contains("backend connection failed"));
  }
  SECTION("a backend connection made anyway closes itself") {
    Forwarded f;
    f.serverTransport->loseConnection();
    CHECK(f.forwarder.endpoint->attempts.at(0)->connector.stops == 1);
    f.serverOwned.reset();
    // The factory refuses to build a client for a server that is gone...
    CHECK(f.forwarder.endpoint->succeed(0, *f.backendTransport) == nullptr);
    // ...and a client built before its server went closes itself on connectionMade.
    ProxyServer other{f.forwarder.factory};
    auto clientFactory = std::make_shared<ProxyClientFactory>(other);
    auto client = clientFactory->buildProtocol(kBackend);
    REQUIRE(client != nullptr);
    clientFactory->setServer(nullptr);
    StringTransportWithDisconnection late;
    late.connect(*client);
    CHECK(late.disconnecting());
    CHECK(late.producer() == nullptr);
  }
}

namespace {

/// A backend that streams `total` pattern bytes as a push producer of its own transport, so it
/// writes only while the transport wants more, then closes.
class Streamer final : public Protocol, public IPushProducer {
 public:
  explicit Streamer(std::size_t total) : data_(pattern(total)) {}

  void connectionMade() override {
    transport()->registerProducer(*this, true);
    produce();
  }

  void pauseProducing() override { paused_ = true; }

  void resumeProducing() override {
    paused_ = false;
    produce();
  }

  void stopProducing() override { sent_ = data_.size(); }

 private:
  static constexpr std::size_t kChunk = std::size_t{16} * 1024;

  void produce() {
    while (!paused_ && sent_ < data_.size() && transport() != nullptr) {
      const std::size_t n = std::min(kChunk, data_.size() - sent_);
      const std::size_t at = sent_;
      sent_ += n;
      transport()->write(std::string_view(data_).substr(at, n));
    }
    if (sent_ == data_.size() && transport() != nullptr && !done_) {
      done_ = true;
      transport()->unregisterProducer();
      transport()->loseConnection();
    }
  }

  std::string data_;
  std::size_t sent_ = 0;
  bool paused_ = false;
  bool done_ = false;
};

/// Steps both pumps until neither moves; returns false if that took more than `maxSteps`.
bool pumpBoth(torsion::testing::LoopbackPump& a, torsion::testing::LoopbackPump& b,
              std::size_t maxSteps = 100000) {
  for (std::size_t i = 0; i < maxSteps; ++i) {
    const bool movedA = a.flush();
    const bool movedB = b.flush();
    if (!movedA && !movedB) {
      return true;
    }
  }
  return false;
}

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("End to end on loopback pumps: a paused client holds the proxy's buffers bounded",
          "[protocols][portforward]") {
  constexpr std::size_t kTotal = std::size_t{4} * 1024 * 1024;
  torsion::testing::LoopbackOptions options;
  options.bufferLimit = 64 * 1024;  // a finite network, so a paused reader fills it
  Forwarder forwarder;
  Events clientEvents;
  auto front = torsion::testing::connectedServerAndClient(
      forwarder.factory->buildProtocol(options.clientAddress),
      std::make_unique<TestProtocol>(clientEvents), options);
  REQUIRE(forwarder.endpoint->attempts.size() == 1);
  auto back = forwarder.endpoint->succeedOverPump(0, std::make_unique<Streamer>(kTotal), options);

  // The client reads nothing for a while: the proxy's write buffer toward it must stop
  // growing at about the high watermark, because the proxy stops reading from the backend.
  front->client().transport()->pauseProducing();
  std::size_t peakUnsent = 0;
  for (int i = 0; i < 2000; ++i) {
    front->flush();
    back->flush();
    peakUnsent = std::max(peakUnsent, front->serverTransport().unsentBytes());
  }
  CHECK(clientEvents.received.empty());
  CHECK(front->serverTransport().unsentBytes() > 0);
  CHECK(peakUnsent <= options.highWatermark + 2 * options.bufferLimit.value());
  CHECK(back->clientTransport().readingPaused());  // the proxy stopped reading the backend
  CHECK(back->serverTransport().unsentBytes() <= options.highWatermark + std::size_t{16} * 1024);

  front->client().transport()->resumeProducing();
  REQUIRE(pumpBoth(*front, *back));
  CHECK(clientEvents.received.size() == kTotal);
  CHECK(clientEvents.received == pattern(kTotal));
  // The backend closed after its last byte; the client got it all, then ConnectionDone.
  CHECK(clientEvents.lost == 1);
  REQUIRE(clientEvents.reason.has_value());
  CHECK(clientEvents.reason->check<ConnectionDone>());
  CHECK_FALSE(front->server().connected());
  CHECK_FALSE(back->client().connected());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("End to end on loopback pumps: a half-close passes through and the answer comes back",
          "[protocols][portforward]") {
  torsion::testing::LoopbackOptions options;
  options.chunking = torsion::testing::Chunking::randomSplits(7);
  Forwarder forwarder;
  Events clientEvents;
  Events backendEvents;
  auto front = torsion::testing::connectedServerAndClient(
      forwarder.factory->buildProtocol(options.clientAddress),
      std::make_unique<HalfCloseProtocol>(clientEvents), options);
  auto backend = std::make_unique<HalfCloseProtocol>(backendEvents);
  // The backend answers with the byte count once the client has finished sending.
  backend->onReadLost = [&backendEvents](HalfCloseProtocol& p) {
    p.transport()->write("got " + std::to_string(backendEvents.received.size()));
    p.transport()->loseConnection();
  };
  auto back = forwarder.endpoint->succeedOverPump(0, std::move(backend), options);

  const std::string request = pattern(200000);
  front->client().transport()->write(request);
  dynamic_cast<ITCPTransport&>(*front->client().transport()).loseWriteConnection();
  REQUIRE(pumpBoth(*front, *back));

  CHECK(backendEvents.received == request);
  CHECK(backendEvents.readLost == 1);  // the client's FIN reached the backend as a FIN
  CHECK(clientEvents.received == "got 200000");
  CHECK(clientEvents.lost == 1);
  REQUIRE(clientEvents.reason.has_value());
  CHECK(clientEvents.reason->check<ConnectionDone>());
  CHECK(backendEvents.lost == 1);
  CHECK_FALSE(front->server().connected());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ProxyFactory and ProxyServer reject null arguments", "[protocols][portforward]") {
  CHECK_THROWS_AS(ProxyFactory(nullptr), ValueError);
  CHECK_THROWS_AS(ProxyServer(nullptr), ValueError);
  CHECK_THROWS_AS(ProxyClient(nullptr), ValueError);
}
