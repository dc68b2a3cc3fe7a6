// LimitConnectionsByPeer: a cap per peer host.
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/protocols/limit_connections_by_peer.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

#include "policies_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file
using torsion::testing::StringTransport;
using torsion::testing::StringTransportOptions;
using torsion::testing::StringTransportWithDisconnection;

namespace {

// One connection from `peer`, built by `factory` and connected over its own transport.
struct Connection {
  std::unique_ptr<Protocol> protocol;
  std::unique_ptr<StringTransportWithDisconnection> transport;
};

Connection connectFrom(LimitConnectionsByPeer& factory, const Address& peer) {
  Connection c;
  c.protocol = factory.buildProtocol(peer);
  if (c.protocol) {
    StringTransportOptions options;
    options.peer = peer;
    c.transport = std::make_unique<StringTransportWithDisconnection>(options);
    c.transport->connect(*c.protocol);
  }
  return c;
}

}  // namespace

TEST_CASE("LimitConnectionsByPeer refuses a host past its cap but not other hosts",
          "[protocols][limit_connections_by_peer]") {
  Record record;
  auto factory = std::make_shared<LimitConnectionsByPeer>(recorderFactory(record), 2);
  LogCapture log;
  const Address a1 = Address::ipv4("127.0.0.1", 1001);
  const Address a2 = Address::ipv4("127.0.0.1", 1002);  // same host, other port
  const Address a3 = Address::ipv4("127.0.0.1", 1003);
  const Address b1 = Address::ipv6("::1", 1001);

  auto c1 = connectFrom(*factory, a1);
  auto c2 = connectFrom(*factory, a2);
  REQUIRE(c1.protocol);
  REQUIRE(c2.protocol);
  CHECK(factory->connectionsFrom("127.0.0.1") == 2);

  auto refused = connectFrom(*factory, a3);
  CHECK(refused.protocol == nullptr);
  CHECK(log.contains("per-peer connection limit (2) reached"));

  auto other = connectFrom(*factory, b1);
  CHECK(other.protocol != nullptr);
  CHECK(factory->connectionsFrom("::1") == 1);

  c1.transport->loseConnection();  // a slot frees up for that host
  CHECK(factory->connectionsFrom("127.0.0.1") == 1);
  auto again = connectFrom(*factory, a3);
  CHECK(again.protocol != nullptr);
}

TEST_CASE("LimitConnectionsByPeer forgets a connection destroyed without connectionLost",
          "[protocols][limit_connections_by_peer]") {
  Record record;
  auto factory = std::make_shared<LimitConnectionsByPeer>(recorderFactory(record), 1);
  const Address peer = Address::ipv4("127.0.0.1", 1001);
  auto protocol = factory->buildProtocol(peer);
  StringTransportOptions options;
  options.peer = peer;
  StringTransport tr(options);
  tr.connect(*protocol);
  CHECK(factory->buildProtocol(peer) == nullptr);
  protocol.reset();
  CHECK(factory->connectionsFrom("127.0.0.1") == 0);
  CHECK(factory->buildProtocol(peer) != nullptr);
}

TEST_CASE("LimitConnectionsByPeer allows Twisted's five per host by default",
          "[protocols][limit_connections_by_peer]") {
  Record record;
  auto factory = std::make_shared<LimitConnectionsByPeer>(recorderFactory(record));
  std::vector<Connection> connections;
  for (int i = 0; i < 5; ++i) {
    connections.push_back(connectFrom(*factory, Address::ipv4("127.0.0.1", 2000)));
    REQUIRE(connections.back().protocol);
  }
  CHECK(connectFrom(*factory, Address::ipv4("127.0.0.1", 2000)).protocol == nullptr);
}
