// MemoryReactor and MemoryReactorClock: recording listen/connect/UDP/UNIX/adopt calls, fake
// ports that accept, connectors driven to succeed or fail, and time from the clock.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/testing/memory_reactor.hpp>
#include <torsion/testing/memory_reactor_clock.hpp>
#include <torsion/testing/string_transport.hpp>

#include "transports_test_support.hpp"

using namespace torsion;           // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;     // NOLINT(google-build-using-namespace): test file
using namespace torsion::testing;  // NOLINT(google-build-using-namespace): test file

namespace {

// A factory that counts startFactory/stopFactory.
class CountingFactory final : public Factory {
 public:
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
    peers.push_back(addr);
    return std::make_unique<EchoProtocol>();
  }

  void startFactory() override { ++started; }

  void stopFactory() override { ++stopped; }

  int started = 0;
  int stopped = 0;
  std::vector<Address> peers;
};

// The "program" under test: it wires an echo server and a client, as a main() would.
void startProgram(IReactorTCP& reactor, std::shared_ptr<ClientFactory> client) {
  reactor.listenTCP(8000, Factory::forProtocol<EchoProtocol>(), 20, "127.0.0.1");
  reactor.connectTCP("127.0.0.1", 9000, std::move(client), std::chrono::seconds{5});
}

struct UdpEvents {
  int started = 0;
  int stopped = 0;
  bool hadTransport = false;
  std::vector<std::string> received;
};

class RecordingDatagramProtocol final : public DatagramProtocol {
 public:
  explicit RecordingDatagramProtocol(UdpEvents& events) : events_(events) {}

  void startProtocol() override {
    ++events_.started;
    events_.hadTransport = transport() != nullptr;
  }

  void stopProtocol() override { ++events_.stopped; }

  void datagramReceived(std::string_view datagram, const Address& addr) override {
    events_.received.emplace_back(datagram);
    transport()->write(datagram, addr);  // echo
  }

 private:
  UdpEvents& events_;
};

}  // namespace

// ---- listening --------------------------------------------------------------------------------

TEST_CASE("listenTCP records the call and returns a port on the requested address",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  auto factory = std::make_shared<CountingFactory>();
  IListeningPort& port = reactor.listenTCP(8080, factory, 7, "127.0.0.1");
  REQUIRE(reactor.tcpServers().size() == 1);
  const MemoryReactor::TcpServer& record = reactor.tcpServers()[0];
  CHECK(record.port == 8080);
  CHECK(record.factory == factory);
  CHECK(record.backlog == 7);
  CHECK(record.interface == "127.0.0.1");
  CHECK(record.listeningPort == &port);
  CHECK(port.getHost() == Address::ipv4("127.0.0.1", 8080));
  CHECK(record.listeningPort->listening());

  CHECK(factory->started == 0);  // startFactory runs on a later turn, as on the real port
  CHECK(reactor.runPending() == 1);
  CHECK(factory->started == 1);
  CHECK(reactor.runPending() == 0);
}

TEST_CASE("listenTCP on port 0 gets a fake port; interfaces choose the family",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  auto factory = std::make_shared<CountingFactory>();
  IListeningPort& any = reactor.listenTCP(0, factory);
  IListeningPort& second = reactor.listenTCP(0, factory, 50, "::1");
  CHECK(any.getHost() == Address::ipv4("0.0.0.0", MemoryReactor::kFirstFakePort));
  CHECK(second.getHost() == Address::ipv6("::1", MemoryReactor::kFirstFakePort + 1));
  CHECK(reactor.tcpServers()[0].port == 0);  // the record keeps what was asked
}

TEST_CASE("listening twice on one address fails until the first port stops",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  auto factory = std::make_shared<CountingFactory>();
  IListeningPort& first = reactor.listenTCP(8000, factory, 50, "127.0.0.1");
  CHECK_THROWS_AS(reactor.listenTCP(8000, factory, 50, "127.0.0.1"), CannotListenError);
  CHECK_NOTHROW(reactor.listenTCP(8000, factory, 50, "::1"));
  reactor.listenUNIX("/tmp/a.sock", factory);
  CHECK_THROWS_AS(reactor.listenUNIX("/tmp/a.sock", factory), CannotListenError);
  first.stopListening();
  CHECK_NOTHROW(reactor.listenTCP(8000, factory, 50, "127.0.0.1"));
}

TEST_CASE("stopListening stops now and calls back on a later turn, after stopFactory",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  auto factory = std::make_shared<CountingFactory>();
  IListeningPort& port = reactor.listenTCP(8000, factory);
  reactor.runPending();
  std::vector<std::string> order;
  factory->stopped = 0;
  port.stopListening([&] { order.emplace_back(factory->stopped == 1 ? "after stop" : "early"); });
  FakeListeningPort& fake = *reactor.tcpServers()[0].listeningPort;
  CHECK_FALSE(fake.listening());
  CHECK(order.empty());                                       // never inside stopListening
  port.stopListening([&] { order.emplace_back("second"); });  // dropped
  CHECK(fake.stopListeningCalls() == 2);
  reactor.runPending();
  CHECK(order == std::vector<std::string>{"after stop"});
  CHECK(factory->numPorts() == 0);
}

TEST_CASE("a test fetches a program's factory and drives the protocol it builds",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  Events clientEvents;
  startProgram(reactor, std::make_shared<TestClientFactory>(clientEvents));
  REQUIRE(reactor.tcpServers().size() == 1);
  CHECK(reactor.tcpServers()[0].port == 8000);
  CHECK(reactor.tcpServers()[0].interface == "127.0.0.1");

  SECTION("by hand, through a StringTransport") {
    const std::shared_ptr<Factory>& factory = reactor.tcpServers()[0].factory;
    std::unique_ptr<Protocol> proto = factory->buildProtocol(Address::ipv4("127.0.0.1", 5555));
    REQUIRE(proto != nullptr);
    StringTransport tr;
    tr.connect(*proto);
    proto->dataReceived("ping");
    CHECK(tr.value() == "ping");
  }
  SECTION("through the port's accept") {
    FakeListeningPort& port = *reactor.tcpServers()[0].listeningPort;
    StringTransportWithDisconnection* tr = port.accept(Address::ipv4("127.0.0.1", 5555));
    REQUIRE(tr != nullptr);
    CHECK(tr->getPeer() == Address::ipv4("127.0.0.1", 5555));
    CHECK(tr->getHost() == Address::ipv4("127.0.0.1", 8000));
    REQUIRE(tr->protocol() != nullptr);
    tr->protocol()->dataReceived("ping");
    CHECK(tr->value() == "ping");
    CHECK(port.accepted() == std::vector<StringTransportWithDisconnection*>{tr});
    tr->loseConnection();
    CHECK_FALSE(tr->protocol()->connected());
  }
}

TEST_CASE("accept returns null when the factory refuses", "[transports][memory_reactor]") {
  MemoryReactor reactor;
  reactor.listenTCP(1, Factory::fromFunction(
                           [](const Address&) -> std::unique_ptr<Protocol> { return nullptr; }));
  CHECK(reactor.tcpServers()[0].listeningPort->accept() == nullptr);
  CHECK(reactor.tcpServers()[0].listeningPort->accepted().empty());
}

// ---- connecting -------------------------------------------------------------------------------

TEST_CASE("connectTCP records the call and calls no hook inside it",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  Events events;
  auto factory = std::make_shared<TestClientFactory>(events);
  IConnector& connector =
      reactor.connectTCP("::1", 443, factory, std::chrono::seconds{3}, Address::ipv6("::1", 0));
  REQUIRE(reactor.tcpClients().size() == 1);
  const MemoryReactor::TcpClient& record = reactor.tcpClients()[0];
  CHECK(record.host == "::1");
  CHECK(record.port == 443);
  CHECK(record.factory == factory);
  CHECK(record.timeout == std::chrono::seconds{3});
  CHECK(record.bindAddress == Address::ipv6("::1", 0));
  CHECK(record.connector == &connector);
  CHECK(connector.getDestination() == Address::ipv6("::1", 443));
  CHECK(reactor.connectors() == std::vector<FakeConnector*>{record.connector});
  CHECK(factory->connecting == 0);
  CHECK(factory->started == 0);
  CHECK(record.connector->state() == ConnectorState::kConnecting);

  reactor.runPending();  // the later turn: startFactory, startedConnecting; the attempt waits
  CHECK(factory->started == 1);
  CHECK(factory->connecting == 1);
  CHECK(record.connector->state() == ConnectorState::kConnecting);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("succeed connects a protocol; losing it reaches clientConnectionLost",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  Events events;
  auto factory = std::make_shared<TestClientFactory>(events, [](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) { self.transport()->write("HELLO"); };
  });
  reactor.connectTCP("127.0.0.1", 25, factory);
  FakeConnector& connector = *reactor.tcpClients()[0].connector;

  StringTransportWithDisconnection* tr = connector.succeed();  // startedConnecting first
  REQUIRE(tr != nullptr);
  CHECK(factory->connecting == 1);
  CHECK(factory->built == 1);
  CHECK(events.made == 1);
  CHECK(tr->value() == "HELLO");
  CHECK(tr->getPeer() == Address::ipv4("127.0.0.1", 25));
  CHECK(connector.state() == ConnectorState::kConnected);
  CHECK(connector.transport() == tr);
  CHECK_THROWS_AS(connector.connect(), ValueError);
  CHECK_THROWS_AS(connector.succeed(), ValueError);

  reactor.runPending();  // the queued settle finds the attempt already resolved
  CHECK(factory->connecting == 1);

  int protocolLostFirst = 0;
  factory->onLost = [&](IConnector&, const Failure& reason) {
    protocolLostFirst = events.lost;
    CHECK(reason.check<ConnectionDone>());
  };
  SECTION("the protocol closes") {
    tr->loseConnection();
  }
  SECTION("the connector disconnects") {
    connector.disconnect();
    CHECK(connector.disconnectCalls() == 1);
  }
  CHECK(events.lost == 1);
  CHECK(factory->lostCount == 1);
  CHECK(protocolLostFirst == 1);  // clientConnectionLost after the protocol's connectionLost
  CHECK(connector.state() == ConnectorState::kDisconnected);
  CHECK(connector.transport() == nullptr);
  CHECK(connector.transports() == std::vector<StringTransportWithDisconnection*>{tr});
  CHECK(factory->stopped == 1);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("fail reaches clientConnectionFailed; the hook may connect again",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  Events events;
  auto factory = std::make_shared<TestClientFactory>(events);
  int retries = 0;
  factory->onFailed = [&retries](IConnector& c, const Failure&) {
    if (retries++ == 0) {
      c.connect();
    }
  };
  reactor.connectTCP("127.0.0.1", 1, factory);
  FakeConnector& connector = *reactor.tcpClients()[0].connector;
  connector.fail(Failure(ConnectionRefusedError("refused")));
  CHECK(factory->connecting == 1);
  CHECK(factory->failed == 1);
  REQUIRE(factory->failure.has_value());
  CHECK(factory->failure->check<ConnectionRefusedError>());
  CHECK(connector.attempts() == 2);  // the hook reconnected
  CHECK(connector.state() == ConnectorState::kConnecting);
  CHECK(factory->stopped == 0);  // the factory stays started across the retry

  reactor.runPending();  // the new attempt's startedConnecting
  CHECK(factory->connecting == 2);
  connector.fail(Failure(NoRouteError("no route")));
  CHECK(factory->failure->check<NoRouteError>());
  CHECK(connector.state() == ConnectorState::kDisconnected);
  CHECK(factory->started == 1);
  CHECK(factory->stopped == 1);
  CHECK_THROWS_AS(connector.fail(Failure(ConnectError("again"))), ValueError);
}

TEST_CASE("stopConnecting is reported as ConnectingCancelledError on a later turn",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  Events events;
  auto factory = std::make_shared<TestClientFactory>(events);
  IConnector& connector = reactor.connectTCP("127.0.0.1", 1, factory);
  FakeConnector& fake = *reactor.tcpClients()[0].connector;
  SECTION("stopConnecting") {
    connector.stopConnecting();
  }
  SECTION("disconnect while connecting") {
    connector.disconnect();
    CHECK(fake.disconnectCalls() == 1);
  }
  CHECK(fake.stopConnectingCalls() == 1);
  CHECK(factory->failed == 0);
  CHECK_THROWS_AS(fake.succeed(), ValueError);
  reactor.runPending();
  CHECK(factory->failed == 1);
  CHECK(factory->failure->check<ConnectingCancelledError>());
  CHECK(fake.state() == ConnectorState::kDisconnected);
  connector.stopConnecting();  // does nothing once failed
  CHECK(fake.stopConnectingCalls() == 1);
}

TEST_CASE("a refusing buildProtocol fails the attempt", "[transports][memory_reactor]") {
  MemoryReactor reactor;

  struct Refusing final : ClientFactory {
    std::unique_ptr<Protocol> buildProtocol(const Address&) override { return nullptr; }

    void clientConnectionFailed(IConnector&, const Failure& reason) override {
      failure.emplace(reason);
    }

    std::optional<Failure> failure;
  };

  auto factory = std::make_shared<Refusing>();
  reactor.connectTCP("127.0.0.1", 1, factory);
  CHECK(reactor.tcpClients()[0].connector->succeed() == nullptr);
  REQUIRE(factory->failure.has_value());
  CHECK(factory->failure->check<ConnectError>());
}

TEST_CASE("setConnectOutcome settles attempts on the next turn", "[transports][memory_reactor]") {
  MemoryReactor reactor;
  Events events;
  auto factory = std::make_shared<TestClientFactory>(events);
  SECTION("succeed") {
    reactor.setConnectOutcome(ConnectOutcome::kSucceed);
    reactor.connectTCP("127.0.0.1", 1, factory);
    CHECK(events.made == 0);
    reactor.runPending();
    CHECK(events.made == 1);
    CHECK(reactor.tcpClients()[0].connector->state() == ConnectorState::kConnected);
  }
  SECTION("fail with the default reason") {
    reactor.setConnectOutcome(ConnectOutcome::kFail);
    reactor.connectTCP("127.0.0.1", 1, factory);
    reactor.runPending();
    REQUIRE(factory->failure.has_value());
    CHECK(factory->failure->check<ConnectionRefusedError>());
  }
  SECTION("fail with a given reason") {
    reactor.setConnectOutcome(ConnectOutcome::kFail, Failure(DNSLookupError("no such host")));
    CHECK(reactor.connectOutcome() == ConnectOutcome::kFail);
    reactor.connectTCP("example.invalid", 80, factory);
    reactor.runPending();
    CHECK(factory->failure->check<DNSLookupError>());
  }
}

// ---- UNIX, UDP, adoption ----------------------------------------------------------------------

TEST_CASE("listenUNIX and connectUNIX are recorded", "[transports][memory_reactor]") {
  MemoryReactor reactor;
  auto server = std::make_shared<CountingFactory>();
  Events events;
  auto client = std::make_shared<TestClientFactory>(events);
  IListeningPort& port = reactor.listenUNIX("/run/app.sock", server, 5, 0600);
  IConnector& connector = reactor.connectUNIX("/run/app.sock", client, std::chrono::seconds{2});
  REQUIRE(reactor.unixServers().size() == 1);
  CHECK(reactor.unixServers()[0].path == "/run/app.sock");
  CHECK(reactor.unixServers()[0].backlog == 5);
  CHECK(reactor.unixServers()[0].mode == 0600);
  CHECK(reactor.unixServers()[0].listeningPort == &port);
  CHECK(port.getHost() == Address::unixSocket("/run/app.sock"));
  REQUIRE(reactor.unixClients().size() == 1);
  CHECK(reactor.unixClients()[0].timeout == std::chrono::seconds{2});
  CHECK(connector.getDestination() == Address::unixSocket("/run/app.sock"));
  StringTransportWithDisconnection* tr = reactor.unixClients()[0].connector->succeed();
  REQUIRE(tr != nullptr);
  CHECK(tr->getPeer() == Address::unixSocket("/run/app.sock"));
  CHECK(tr->getHost() == Address::unixSocket(""));
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("listenUDP owns the protocol, starts it later and records what it sends",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  UdpEvents events;
  IUDPTransport& udp =
      reactor.listenUDP(5353, std::make_unique<RecordingDatagramProtocol>(events), "127.0.0.1", 4);
  REQUIRE(reactor.udpPorts().size() == 1);
  const MemoryReactor::UdpPort& record = reactor.udpPorts()[0];
  CHECK(record.port == 5353);
  CHECK(record.interface == "127.0.0.1");
  CHECK(record.maxPacketSize == 4);
  CHECK_FALSE(record.multicast);
  CHECK(record.transport == &udp);
  CHECK(udp.getHost() == Address::ipv4("127.0.0.1", 5353));
  FakeDatagramPort& port = *record.transport;
  CHECK(events.started == 0);
  CHECK(port.protocol().transport() == nullptr);
  reactor.runPending();
  CHECK(events.started == 1);
  CHECK(events.hadTransport);
  CHECK(port.started());

  const Address peer = Address::ipv4("127.0.0.1", 6000);
  port.receive("hello", peer);  // truncated to maxPacketSize, then echoed
  CHECK(events.received == std::vector<std::string>{"hell"});
  REQUIRE(port.written().size() == 1);
  CHECK(port.written()[0].data == "hell");
  CHECK(port.written()[0].to == peer);
  port.clearWritten();
  CHECK(port.written().empty());

  CHECK_THROWS_AS(udp.write("x"), ValueError);  // not connected
  CHECK_THROWS_AS(udp.write(std::string(FakeDatagramPort::kMaxDatagram + 1, 'x'), peer),
                  MessageLengthError);
  udp.connect("127.0.0.1", 7000);
  CHECK(port.connectedPeer() == Address::ipv4("127.0.0.1", 7000));
  CHECK(udp.write("y"));
  CHECK(port.written().back().to == Address::ipv4("127.0.0.1", 7000));
  CHECK_THROWS_AS(udp.write("z", peer), ValueError);
  CHECK_THROWS_AS(udp.connect("127.0.0.1", 7001), ValueError);
  udp.setBroadcastAllowed(true);
  CHECK(udp.getBroadcastAllowed());

  bool stopped = false;
  udp.stopListening([&] { stopped = true; });
  CHECK_FALSE(port.listening());
  CHECK(events.stopped == 0);
  reactor.runPending();
  CHECK(events.stopped == 1);
  CHECK(stopped);
  CHECK(port.protocol().transport() == nullptr);
}

TEST_CASE("listenMulticast records groups and options", "[transports][memory_reactor]") {
  MemoryReactor reactor;
  UdpEvents events;
  IMulticastTransport& mc = reactor.listenMulticast(
      5000, std::make_unique<RecordingDatagramProtocol>(events), "", 8192, true);
  CHECK(reactor.udpPorts()[0].multicast);
  CHECK(reactor.udpPorts()[0].listenMultiple);
  CHECK_NOTHROW(reactor.listenMulticast(5000, std::make_unique<RecordingDatagramProtocol>(events),
                                        "", 8192, true));
  mc.joinGroup("239.1.2.3");
  CHECK_THROWS_AS(mc.joinGroup("239.1.2.3"), MulticastJoinError);
  mc.joinGroup("239.1.2.4", "127.0.0.1");
  const FakeDatagramPort& port = *reactor.udpPorts()[0].transport;
  CHECK(port.groups().size() == 2);
  mc.leaveGroup("239.1.2.3");
  CHECK_THROWS_AS(mc.leaveGroup("239.1.2.3"), MulticastJoinError);
  CHECK(port.groups().size() == 1);
  CHECK(mc.getTTL() == 1);
  mc.setTTL(5);
  CHECK(mc.getTTL() == 5);
  CHECK(mc.getLoopbackMode());
  mc.setLoopbackMode(false);
  CHECK_FALSE(mc.getLoopbackMode());
  CHECK(mc.getOutgoingInterface() == "0.0.0.0");
  mc.setOutgoingInterface("127.0.0.1");
  CHECK(mc.getOutgoingInterface() == "127.0.0.1");
}

TEST_CASE("adopt calls are recorded without touching the descriptor",
          "[transports][memory_reactor]") {
  MemoryReactor reactor;
  auto factory = std::make_shared<CountingFactory>();
  UdpEvents events;
  IListeningPort& port = reactor.adoptStreamPort(-7, AddressFamily::kIPv6, factory);
  reactor.adoptStreamConnection(-8, AddressFamily::kIPv4, factory);
  IUDPTransport& udp = reactor.adoptDatagramPort(
      -9, AddressFamily::kIPv4, std::make_unique<RecordingDatagramProtocol>(events), 512);
  REQUIRE(reactor.adoptedPorts().size() == 1);
  CHECK(reactor.adoptedPorts()[0].fd == -7);
  CHECK(reactor.adoptedPorts()[0].family == AddressFamily::kIPv6);
  CHECK(reactor.adoptedPorts()[0].listeningPort == &port);
  CHECK(port.getHost() == Address::ipv6("::", 1234));
  REQUIRE(reactor.adoptedConnections().size() == 1);
  CHECK(reactor.adoptedConnections()[0].fd == -8);
  CHECK(reactor.adoptedConnections()[0].factory == factory);
  REQUIRE(reactor.adoptedDatagramPorts().size() == 1);
  CHECK(reactor.adoptedDatagramPorts()[0].maxPacketSize == 512);
  CHECK(reactor.adoptedDatagramPorts()[0].transport == &udp);
  CHECK(udp.getHost() == Address::ipv4("0.0.0.0", 1234));
}

// ---- MemoryReactorClock -----------------------------------------------------------------------

TEST_CASE("MemoryReactorClock's callLater runs when the test advances time",
          "[transports][memory_reactor]") {
  MemoryReactorClock reactor;
  IReactorTime& time = reactor;
  std::vector<double> ran;
  time.callLater(std::chrono::seconds{2}, [&] { ran.push_back(reactor.seconds()); });
  time.callLater(std::chrono::seconds{1}, [&] { ran.push_back(reactor.seconds()); });
  CHECK(reactor.getDelayedCalls().size() == 2);
  reactor.advance(std::chrono::milliseconds{1500});
  CHECK(ran == std::vector<double>{1.0});
  CHECK(reactor.advanceToNext());
  CHECK(ran == std::vector<double>{1.0, 2.0});
  CHECK_FALSE(reactor.advanceToNext());
  reactor.pump({std::chrono::seconds{1}, std::chrono::seconds{1}});
  CHECK(reactor.clock().seconds() == 4.0);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("MemoryReactorClock settles attempts as time moves: a retry loop, deterministically",
          "[transports][memory_reactor]") {
  MemoryReactorClock reactor;
  reactor.setConnectOutcome(ConnectOutcome::kFail);
  Events events;
  auto factory = std::make_shared<TestClientFactory>(events);
  factory->onFailed = [&reactor](IConnector& c, const Failure&) {
    reactor.callLater(std::chrono::seconds{5}, [&c] { c.connect(); });
  };
  reactor.connectTCP("127.0.0.1", 1, factory);
  FakeConnector& connector = *reactor.tcpClients()[0].connector;
  CHECK(reactor.runPending() == 0);  // the clock runs the work, not runPending
  reactor.advance(std::chrono::seconds{0});
  CHECK(factory->connecting == 1);
  CHECK(factory->failed == 1);
  reactor.advance(std::chrono::seconds{5});  // the retry starts at 5 s...
  CHECK(connector.attempts() == 2);
  reactor.advance(std::chrono::seconds{0});  // ...and is settled on the next step
  CHECK(factory->failed == 2);

  reactor.setConnectOutcome(ConnectOutcome::kSucceed);
  reactor.advance(std::chrono::seconds{5});
  reactor.advance(std::chrono::seconds{0});
  CHECK(connector.attempts() == 3);
  CHECK(connector.state() == ConnectorState::kConnected);
  CHECK(events.made == 1);
}
