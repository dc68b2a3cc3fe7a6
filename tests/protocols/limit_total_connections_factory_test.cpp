// LimitTotalConnectionsFactory: the cap, the log line, the overflow protocol; and on loopback.
#include <cstdint>
#include <memory>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/protocols/limit_total_connections_factory.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

#include "../transports/transports_test_support.hpp"
#include "policies_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file
using torsion::testing::StringTransportWithDisconnection;

namespace {

const Address kPeer = Address::ipv4("127.0.0.1", 40000);

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("LimitTotalConnectionsFactory refuses connections past the limit and logs it",
          "[protocols][limit_total_connections_factory]") {
  Record record;
  auto factory = std::make_shared<LimitTotalConnectionsFactory>(recorderFactory(record), 2);
  LogCapture log;
  std::vector<std::unique_ptr<Protocol>> protocols;
  std::vector<std::unique_ptr<StringTransportWithDisconnection>> transports;
  for (int i = 0; i < 2; ++i) {
    protocols.push_back(factory->buildProtocol(kPeer));
    REQUIRE(protocols.back());
    transports.push_back(std::make_unique<StringTransportWithDisconnection>());
    transports.back()->connect(*protocols.back());
  }
  CHECK(factory->connectionCount() == 2);

  CHECK(factory->buildProtocol(kPeer) == nullptr);
  CHECK(log.contains("connection limit (2) reached"));
  CHECK(log.contains("127.0.0.1:40000"));

  transports[0]->loseConnection();  // one goes: room for one more
  CHECK(factory->connectionCount() == 1);
  auto again = factory->buildProtocol(kPeer);
  CHECK(again != nullptr);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("LimitTotalConnectionsFactory gives excess connections the overflow protocol",
          "[protocols][limit_total_connections_factory]") {
  Record normal;
  Record overflow;
  auto busy = recorderFactory(overflow, [](Recorder& p) {
    p.onMade = [](Recorder& self) {
      self.transport()->write("busy\r\n");
      self.transport()->loseConnection();
    };
  });
  auto factory =
      std::make_shared<LimitTotalConnectionsFactory>(recorderFactory(normal), 1, std::move(busy));

  auto first = factory->buildProtocol(kPeer);
  StringTransportWithDisconnection tr1(testing::StringTransportOptions{},
                                       testing::LossDelivery::kOnRequest);
  tr1.connect(*first);
  auto second = factory->buildProtocol(kPeer);
  REQUIRE(second);
  StringTransportWithDisconnection tr2(testing::StringTransportOptions{},
                                       testing::LossDelivery::kOnRequest);
  tr2.connect(*second);
  CHECK(normal.made == 1);
  CHECK(overflow.made == 1);
  CHECK(tr2.value() == "busy\r\n");
  CHECK(tr2.disconnecting());
  CHECK(factory->connectionCount() == 2);  // overflow connections count too, as in Twisted
  tr2.deliverConnectionLost();
  CHECK(factory->connectionCount() == 1);
}

TEST_CASE("LimitTotalConnectionsFactory closes the excess TCP connection at once",
          "[protocols][limit_total_connections_factory]") {
  Harness h(anyBackend());
  Events server;
  auto limited = std::make_shared<LimitTotalConnectionsFactory>(testFactory(server), 1);
  IListeningPort& port = h.reactor.listenTCP(0, limited, 50, "127.0.0.1");

  const std::uint16_t portNumber = port.getHost().port();
  Events first;
  Events second;
  // The first client stays connected; the second is connected by the kernel and then closed by
  // the server's refusal. Once it is lost, the first one closes too and the test ends.
  auto firstFactory = std::make_shared<TestClientFactory>(first, [&h, &second,
                                                                  portNumber](TestProtocol& p) {
    p.onMade = [&h, &second, portNumber](TestProtocol& self) {
      auto secondFactory = std::make_shared<TestClientFactory>(
          second, [transport = self.transport()](TestProtocol& q) {
            q.onLost = [transport](TestProtocol&, const Failure&) { transport->loseConnection(); };
          });
      h.reactor.connectTCP("127.0.0.1", portNumber, secondFactory);
    };
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", portNumber, firstFactory);
  h.run();
  CHECK(first.made == 1);
  CHECK(second.lost == 1);
  CHECK(server.made == 1);
}
