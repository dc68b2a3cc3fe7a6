// TCP transports on loopback, on every backend: data integrity, closing, half-close, reasons.
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/transports/itcp_transport.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

namespace {

std::uint16_t portOf(const IListeningPort& port) {
  return port.getHost().port();
}

}  // namespace

TEST_CASE("An echo server on port 0 gets a real port and echoes a client's bytes",
          "[transports][tcp]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
  REQUIRE(portOf(port) != 0);
  REQUIRE(port.getHost().host() == "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) { self.transport()->write("hello, world"); };
    p.onData = [&h](TestProtocol& self, std::string_view) {
      if (self.transport() != nullptr) {
        CHECK(self.transport()->getPeer().port() != 0);
        CHECK(self.transport()->getHost().host() == "127.0.0.1");
      }
      h.stop();
    };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(client.received == "hello, world");
  CHECK(factory->connecting == 1);
  (void)server;
}

TEST_CASE("1 MiB written at once arrives whole and in order, and is echoed back the same way",
          "[transports][tcp]") {
  const std::string payload = pattern(1 << 20);
  Events client;
  Harness h(anyBackend());
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&](TestProtocol& p) {
    p.onMade = [&payload](TestProtocol& self) { self.transport()->write(payload); };
    p.onData = [&](TestProtocol&, std::string_view) {
      if (client.received.size() >= payload.size()) {
        h.stop();
      }
    };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  REQUIRE(client.received.size() == payload.size());
  CHECK(client.received == payload);
}

TEST_CASE(
    "loseConnection right after a large write loses nothing, and both sides see "
    "ConnectionDone",
    "[transports][tcp]") {
  const std::string payload = pattern(4 << 20);
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&payload](TestProtocol& p) {
                       p.onMade = [&payload](TestProtocol& self) {
                         self.transport()->write(payload);
                         self.transport()->loseConnection();
                       };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(client.received == payload);
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionDone>());
  REQUIRE(server.reason);
  CHECK(server.reason->check<ConnectionDone>());
  CHECK(factory->lostCount == 1);
}

TEST_CASE("1000 concurrent connections to one listener all echo correctly", "[transports][tcp]") {
  constexpr int kConnections = 1000;
  Harness h(anyBackend());
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 2048, "127.0.0.1");
  int correct = 0;
  int finished = 0;
  std::vector<Events> events(kConnections);
  // One factory per connection so that each protocol knows its own message.
  for (int i = 0; i < kConnections; ++i) {
    const std::string message =
        "connection " + std::to_string(i) + " says " + pattern(static_cast<std::size_t>(100 + i));
    auto factory = std::make_shared<TestClientFactory>(
        events[static_cast<std::size_t>(i)],
        [&h, &correct, &finished, message,
         &ev = events[static_cast<std::size_t>(i)]](TestProtocol& p) {
          p.onMade = [message](TestProtocol& self) { self.transport()->write(message); };
          p.onData = [&correct, &ev, message](TestProtocol& self, std::string_view) {
            if (ev.received.size() >= message.size()) {
              correct += ev.received == message ? 1 : 0;
              self.transport()->loseConnection();
            }
          };
          p.onLost = [&h, &finished](TestProtocol&, const Failure&) {
            if (++finished == kConnections) {
              h.stop();
            }
          };
        });
    h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  }
  h.run(std::chrono::seconds{40});
  CHECK(finished == kConnections);
  CHECK(correct == kConnections);
}

TEST_CASE("A peer reset in the middle of a large write gives ConnectionLost, not a crash",
          "[transports][tcp]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  const std::string chunk = pattern(256 * 1024);
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       // Far more than the socket buffers hold, so the server is mid-write when the
                       // reset lands.
                       p.onMade = [&chunk](TestProtocol& self) {
                         for (int i = 0; i < 64; ++i) {
                           self.transport()->write(chunk);
                         }
                       };
                       p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [](TestProtocol& p) {
    p.onData = [](TestProtocol& self, std::string_view) { self.transport()->abortConnection(); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  REQUIRE(server.reason);
  INFO(server.reason->what());
  CHECK(server.reason->check<ConnectionLost>());
  CHECK_FALSE(server.reason->check<ConnectionAborted>());
  CHECK_FALSE(server.reason->check<ConnectionDone>());
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionAborted>());
  CHECK(server.lost == 1);
  CHECK(client.lost == 1);
}

TEST_CASE("Data with a reset queued behind it is read, then the loss is reported, on every backend",
          "[transports][tcp]") {
  // libuv stops a poll handle once it reports POLLERR; the uv poller re-arms it, so a
  // connection that reads one short chunk per turn still sees the reset on a later turn.
  Events server;
  Events client;
  Harness h(anyBackend());
  TestProtocol* serverSide = nullptr;
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       // Not reading yet: the data and the reset both wait in the socket.
                       p.onMade = [&serverSide](TestProtocol& self) {
                         serverSide = &self;
                         self.transport()->pauseProducing();
                       };
                       p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) {
      self.transport()->write("last words");
      self.transport()->abortConnection();
    };
  });
  factory->onLost = [&serverSide](IConnector&, const Failure&) {
    // The reset has been sent (abort closes with SO_LINGER 0): let the server read now.
    REQUIRE(serverSide != nullptr);
    serverSide->transport()->resumeProducing();
  };
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(server.received == "last words");
  REQUIRE(server.reason);
  INFO(server.reason->what());
  CHECK(server.reason->check<ConnectionLost>());
  CHECK(server.lost == 1);
}

TEST_CASE("Writing after loseConnection, and from inside connectionLost, is ignored",
          "[transports][tcp]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  bool transportInsideLost = false;
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       p.onMade = [](TestProtocol& self) {
                         self.transport()->write("before");
                         self.transport()->loseConnection();
                         self.transport()->write("after");
                         self.transport()->writeSequence(std::array<std::string_view, 1>{"seq"});
                         self.transport()->loseConnection();  // twice: nothing more happens
                       };
                       p.onLost = [&transportInsideLost](TestProtocol& self, const Failure&) {
                         transportInsideLost = self.transport() != nullptr;
                         self.transport()->write("from connectionLost");
                         self.transport()->loseConnection();
                         self.transport()->abortConnection();
                       };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(client.received == "before");
  CHECK(transportInsideLost);
  CHECK(server.lost == 1);
  CHECK(server.reason->check<ConnectionDone>());
}

TEST_CASE("Closing from inside dataReceived stops delivery at once", "[transports][tcp]") {
  const std::string payload = pattern(1 << 20);
  Events server;
  Events client;
  Harness h(anyBackend());
  const bool abort = GENERATE(false, true);
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&](TestProtocol& p) {
                       p.onData = [abort](TestProtocol& self, std::string_view) {
                         if (abort) {
                           self.transport()->abortConnection();
                         } else {
                           self.transport()->loseConnection();
                         }
                       };
                       p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&payload](TestProtocol& p) {
    p.onMade = [&payload](TestProtocol& self) { self.transport()->write(payload); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(server.dataCalls == 1);
  CHECK(server.lost == 1);
  REQUIRE(server.reason);
  if (abort) {
    CHECK(server.reason->check<ConnectionAborted>());
  } else {
    CHECK(server.reason->check<ConnectionDone>());
  }
}

TEST_CASE(
    "Lose, abort and peer close give ConnectionDone, ConnectionAborted and "
    "ConnectionLost/ConnectionDone",
    "[transports][tcp]") {
  const auto backend = anyBackend();
  const int how = GENERATE(0, 1);  // 0: the server loses the connection, 1: it aborts
  INFO("backend " << backendName(backend) << ", " << (how == 0 ? "lose" : "abort"));
  Events server;
  Events client;
  Harness h(backend);
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([how](TestProtocol& p) {
                       p.onMade = [how](TestProtocol& self) {
                         self.transport()->write("bye");
                         if (how == 0) {
                           self.transport()->loseConnection();
                         } else {
                           self.transport()->abortConnection();
                         }
                       };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  REQUIRE(server.reason);
  REQUIRE(client.reason);
  if (how == 0) {
    CHECK(server.reason->check<ConnectionDone>());
    CHECK(client.reason->check<ConnectionDone>());  // the peer's FIN
    CHECK(client.received == "bye");
  } else {
    CHECK(server.reason->check<ConnectionAborted>());
    CHECK(client.reason->check<ConnectionLost>());  // the peer's reset
    CHECK_FALSE(client.reason->check<ConnectionAborted>());
    CHECK(client.reason->what().find("reset") != std::string::npos);
  }
}

TEST_CASE("A half-closeable server answers after the client's loseWriteConnection",
          "[transports][tcp][halfclose]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(
      0,
      testFactory<HalfCloseProtocol>(
          server, std::function<void(HalfCloseProtocol&)>([&server](HalfCloseProtocol& p) {
            p.onReadLost = [&server](HalfCloseProtocol& self) {
              self.transport()->write("got " + server.received);
              self.transport()->loseConnection();
            };
          })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) {
      self.transport()->write("question");
      dynamic_cast<ITCPTransport&>(*self.transport()).loseWriteConnection();
      self.transport()->write("ignored after the FIN");
    };
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(server.received == "question");
  CHECK(server.readLost == 1);
  CHECK(client.received == "got question");
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionDone>());
  REQUIRE(server.reason);
  CHECK(server.reason->check<ConnectionDone>());
}

TEST_CASE("A server's loseWriteConnection lets a half-closeable client answer",
          "[transports][tcp][halfclose]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&h](TestProtocol& p) {
                       p.onMade = [](TestProtocol& self) {
                         self.transport()->write("ping");
                         dynamic_cast<ITCPTransport&>(*self.transport()).loseWriteConnection();
                       };
                       p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
                     })),
      50, "127.0.0.1");

  // The client half-closes too: it is a HalfCloseProtocol built by hand.
  class HalfCloseClientFactory final : public ClientFactory {
   public:
    explicit HalfCloseClientFactory(Events& e) : events_(e) {}

    std::unique_ptr<Protocol> buildProtocol(const Address&) override {
      auto p = std::make_unique<HalfCloseProtocol>(events_);
      p->onReadLost = [](HalfCloseProtocol& self) {
        self.transport()->write("pong");
        self.transport()->loseConnection();
      };
      return p;
    }

   private:
    Events& events_;
  };

  h.reactor.connectTCP("127.0.0.1", portOf(port), std::make_shared<HalfCloseClientFactory>(client));
  h.run();
  CHECK(client.received == "ping");
  CHECK(client.readLost == 1);
  CHECK(server.received == "pong");
  REQUIRE(server.reason);
  CHECK(server.reason->check<ConnectionDone>());
}

TEST_CASE("Without half-close support a peer's FIN ends the connection with ConnectionDone",
          "[transports][tcp][halfclose]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&h](TestProtocol& p) {
                       p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) {
      self.transport()->write("data");
      dynamic_cast<ITCPTransport&>(*self.transport()).loseWriteConnection();
    };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(server.received == "data");
  REQUIRE(server.reason);
  CHECK(server.reason->check<ConnectionDone>());
  CHECK(server.readLost == 0);
}

TEST_CASE("writeSequence sends many buffers in order", "[transports][tcp]") {
  Events client;
  Harness h(anyBackend());
  std::vector<std::string> pieces;
  std::string expected;
  for (int i = 0; i < 200; ++i) {
    pieces.push_back(pattern(static_cast<std::size_t>(i) * 517 % 20000 + 1));
    expected += pieces.back();
  }
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&](TestProtocol& p) {
    p.onMade = [&pieces](TestProtocol& self) {
      std::vector<std::string_view> views(pieces.begin(), pieces.end());
      self.transport()->writeSequence(std::array<std::string_view, 3>{"a", "", "bc"});
      self.transport()->writeSequence(views);
    };
    p.onData = [&](TestProtocol&, std::string_view) {
      if (client.received.size() >= expected.size() + 3) {
        h.stop();
      }
    };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(client.received == "abc" + expected);
}

TEST_CASE("IPv6 loopback connections work", "[transports][tcp][ipv6]") {
  Events client;
  Harness h(anyBackend());
  IListeningPort* port = nullptr;
  try {
    port = &h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "::1");
  } catch (const CannotListenError& e) {
    WARN("no IPv6 loopback here: " << e.what());
    return;
  }
  CHECK(port->getHost().family() == AddressFamily::kIPv6);
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) {
      CHECK(self.transport()->getPeer().family() == AddressFamily::kIPv6);
      self.transport()->write("six");
    };
    p.onData = [&h](TestProtocol&, std::string_view) { h.stop(); };
  });
  h.reactor.connectTCP("::1", port->getHost().port(), factory);
  h.run();
  CHECK(client.received == "six");
}

TEST_CASE("TCP options can be set and read back", "[transports][tcp]") {
  Events client;
  Harness h(anyBackend());
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [&h](TestProtocol& self) {
      auto& tcp = dynamic_cast<ITCPTransport&>(*self.transport());
      CHECK_FALSE(tcp.getTcpNoDelay());
      tcp.setTcpNoDelay(true);
      CHECK(tcp.getTcpNoDelay());
      tcp.setTcpKeepAlive(true);
      CHECK(tcp.getTcpKeepAlive());
      tcp.setTcpKeepAlive(false);
      CHECK_FALSE(tcp.getTcpKeepAlive());
      h.stop();
    };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(client.made == 1);
}

TEST_CASE("listenTCP on a port in use throws CannotListenError naming the address",
          "[transports][tcp]") {
  Harness h(anyBackend());
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
  try {
    h.reactor.listenTCP(portOf(port), Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
    FAIL("listenTCP should have thrown");
  } catch (const CannotListenError& e) {
    CHECK(std::string(e.what()).find("127.0.0.1:" + std::to_string(portOf(port))) !=
          std::string::npos);
  }
  CHECK_THROWS_AS(h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "not-an-ip"),
                  CannotListenError);
  h.reactor.callLater(0s, [&h] { h.stop(); });
  h.run();
}

TEST_CASE("A factory that returns nullptr refuses the connection", "[transports][tcp]") {
  Events client;
  Harness h(anyBackend());
  int asked = 0;
  IListeningPort& port = h.reactor.listenTCP(0, Factory::fromFunction([&asked](const Address&) {
                                               ++asked;
                                               return std::unique_ptr<Protocol>();
                                             }),
                                             50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  CHECK(asked == 1);
  CHECK(client.made == 1);  // the TCP handshake completed before the refusal
  REQUIRE(client.reason);
  CHECK(client.reason->check<ConnectionClosed>());
}

TEST_CASE("An exception from dataReceived is logged and aborts the connection with it",
          "[transports][tcp]") {
  struct Boom : Error {
    Boom() : Error("boom in dataReceived") {}
  };

  Events server;
  Events client;
  CapturedLog log;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(
      0, testFactory(server, std::function<void(TestProtocol&)>([&h](TestProtocol& p) {
                       p.onData = [](TestProtocol&, std::string_view) { throw Boom(); };
                       p.onLost = [&h](TestProtocol&, const Failure&) { h.stop(); };
                     })),
      50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) { self.transport()->write("trigger"); };
  });
  h.reactor.connectTCP("127.0.0.1", portOf(port), factory);
  h.run();
  REQUIRE(server.reason);
  CHECK(server.reason->check<Boom>());
  CHECK(log.contains("boom in dataReceived"));
}
