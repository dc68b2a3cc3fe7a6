// The ownership rules of docs/ownership.md, each proved under AddressSanitizer.
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

TEST_CASE("connectionLost never runs inside loseConnection or abortConnection, and runs once",
          "[transports][ownership]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  bool inside = false;
  bool lostInside = false;
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       p.onMade = [&inside](TestProtocol& self) {
                         inside = true;
                         self.transport()->loseConnection();
                         self.transport()->abortConnection();
                         self.transport()->loseConnection();
                         inside = false;
                       };
                       p.onLost = [&](TestProtocol&, const Failure&) {
                         lostInside = inside;
                         h.stop();
                       };
                     })),
      50, "127.0.0.1");
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(),
                       std::make_shared<TestClientFactory>(client));
  h.run();
  CHECK_FALSE(lostInside);
  CHECK(server.lost == 1);
  CHECK(server.reason->check<ConnectionAborted>());  // the abort upgraded the close
}

TEST_CASE(
    "The transport pointer is valid through connectionLost and null after; the protocol "
    "is destroyed at the end of that turn",
    "[transports][ownership]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  TestProtocol* serverProtocol = nullptr;
  bool transportDuringLost = false;
  bool destroyedDuringLost = true;
  bool destroyedNextTurn = false;
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       serverProtocol = &p;
                       p.onMade = [](TestProtocol& self) { self.transport()->loseConnection(); };
                       p.onLost = [&](TestProtocol& self, const Failure&) {
                         transportDuringLost = self.transport() != nullptr && self.connected();
                         destroyedDuringLost = server.destroyed;
                         // Runs on a later turn: by then the protocol is gone.
                         h.reactor.callLater(0s, [&] {
                           destroyedNextTurn = server.destroyed;
                           h.stop();
                         });
                       };
                     })),
      50, "127.0.0.1");
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(),
                       std::make_shared<TestClientFactory>(client));
  h.run();
  CHECK(serverProtocol != nullptr);
  CHECK(transportDuringLost);
  CHECK_FALSE(destroyedDuringLost);
  CHECK(destroyedNextTurn);
}

TEST_CASE("A factory the application drops lives on while its connections do",
          "[transports][ownership]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  auto factory = testFactory(server);
  std::weak_ptr<Factory> watch = factory;
  IListeningPort& port = h.reactor.listenTCP(0, std::move(factory), 50, "127.0.0.1");
  factory.reset();
  const std::uint16_t portNumber = port.getHost().port();
  bool aliveAfterStop = false;
  auto clientFactory = std::make_shared<TestClientFactory>(client, [&](TestProtocol& p) {
    p.onMade = [&](TestProtocol& self) {
      // Stop the port while this connection lives; the factory must survive it.
      port.stopListening([&, transport = self.transport()] {
        aliveAfterStop = !watch.expired();
        transport->write("still here");
      });
    };
  });
  h.reactor.callLater(500ms, [&h] { h.stop(); });
  h.reactor.connectTCP("127.0.0.1", portNumber, clientFactory);
  h.run();
  CHECK(aliveAfterStop);
  CHECK(server.received == "still here");
  CHECK(watch.expired());  // gone once the reactor closed the last connection
}

TEST_CASE("Stopping the reactor loses every connection with ConnectionLost and closes all",
          "[transports][ownership]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(0, testFactory(server), 50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(
      client, [&h](TestProtocol& p) { p.onMade = [&h](TestProtocol&) { h.stop(); }; });
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(), factory);
  h.run();  // checks liveTransports() == 0
  CHECK(client.lost == 1);
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionLost>());
  CHECK(factory->lostCount == 1);
  CHECK(factory->stopped == 1);
}

TEST_CASE("Destroying a reactor with live connections calls no hooks and leaks nothing",
          "[transports][ownership]") {
  Events server;
  Events client;
  {
    Reactor reactor(quietOptions(anyBackend()));
    IListeningPort& port = reactor.listenTCP(0, testFactory(server), 50, "127.0.0.1");
    reactor.connectTCP("127.0.0.1", port.getHost().port(),
                       std::make_shared<TestClientFactory>(client));
    for (int i = 0; i < 200 && (server.made == 0 || client.made == 0); ++i) {
      reactor.iterate(10ms);
    }
    REQUIRE(server.made == 1);
    REQUIRE(client.made == 1);
    CHECK(reactor.liveTransports() == 4);  // port, connector, two connections
  }
  CHECK(server.lost == 0);
  CHECK(client.lost == 0);
  CHECK(server.destroyed);
  CHECK(client.destroyed);
}
