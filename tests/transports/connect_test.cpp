// connectTCP: how failed, cancelled and repeated attempts reach the ClientFactory.
#include <memory>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

namespace {

// A loopback socket that holds a port without listening, so connecting to it is refused.
struct ReservedPort {
  ReservedPort() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);  // NOLINT
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);  // NOLINT
    port = ntohs(a.sin_port);
  }

  ~ReservedPort() { ::close(fd); }

  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;
  ReservedPort(ReservedPort&&) = delete;
  ReservedPort& operator=(ReservedPort&&) = delete;

  int fd = -1;
  std::uint16_t port = 0;
};

// A listening socket whose accept queue is full and never drained: the kernel drops further
// SYNs, so a connection attempt to it stays pending until our own timer gives up. Loopback
// only; nothing leaves the machine.
struct FullBacklog {
  FullBacklog() {
    listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);  // NOLINT
    REQUIRE(::listen(listener, 0) == 0);
    socklen_t len = sizeof a;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&a), &len);  // NOLINT
    port = ntohs(a.sin_port);
    for (int& fd : fillers) {
      fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);  // NOLINT
    }
  }

  ~FullBacklog() {
    for (const int fd : fillers) {
      ::close(fd);
    }
    ::close(listener);
  }

  FullBacklog(const FullBacklog&) = delete;
  FullBacklog& operator=(const FullBacklog&) = delete;
  FullBacklog(FullBacklog&&) = delete;
  FullBacklog& operator=(FullBacklog&&) = delete;

  int listener = -1;
  int fillers[3] = {-1, -1, -1};
  std::uint16_t port = 0;
};

}  // namespace

TEST_CASE("A refused connection reaches clientConnectionFailed with ConnectionRefusedError",
          "[transports][connect]") {
  ReservedPort reserved;
  Events client;
  Harness h(anyBackend());
  auto factory = std::make_shared<TestClientFactory>(client);
  factory->onFailed = [&h](IConnector&, const Failure&) { h.stop(); };
  bool reportedInside = false;
  factory->onFailed = [&h](IConnector& connector, const Failure&) {
    CHECK(connector.getDestination().host() == "127.0.0.1");
    h.stop();
  };
  h.reactor.connectTCP("127.0.0.1", reserved.port, factory);
  reportedInside = factory->failed != 0 || factory->connecting != 0 || factory->started != 0;
  h.run();
  CHECK_FALSE(reportedInside);  // nothing runs inside connectTCP
  CHECK(factory->started == 1);
  CHECK(factory->connecting == 1);
  CHECK(factory->failed == 1);
  CHECK(factory->stopped == 1);
  REQUIRE(factory->failure);
  INFO(factory->failure->what());
  CHECK(factory->failure->check<ConnectionRefusedError>());
}

TEST_CASE("An unresolvable host name reaches clientConnectionFailed with DNSLookupError",
          "[transports][connect][dns]") {
  Events client;
  Harness h(anyBackend());
  auto factory = std::make_shared<TestClientFactory>(client);
  factory->onFailed = [&h](IConnector&, const Failure&) { h.stop(); };
  // .invalid never resolves (RFC 2606). Resolution runs on the thread pool.
  h.reactor.connectTCP("no-such-host.invalid", 80, factory, Seconds{0});
  h.run();
  REQUIRE(factory->failure);
  INFO(factory->failure->what());
  CHECK(factory->failure->check<DNSLookupError>());
  CHECK(factory->failure->what().find("no-such-host.invalid") != std::string::npos);
}

TEST_CASE("A host name is resolved off the loop and connected to", "[transports][connect][dns]") {
  Events client;
  Harness h(anyBackend());
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [&h](TestProtocol& self) {
      CHECK(self.transport()->getPeer().host() == "127.0.0.1");
      h.stop();
    };
  });
  factory->onFailed = [&h](IConnector&, const Failure& f) {
    FAIL_CHECK(f.what());
    h.stop();
  };
  h.reactor.connectTCP("localhost", port.getHost().port(), factory);
  h.run();
  CHECK(client.made == 1);
}

TEST_CASE("A connection attempt that never completes fails with ConnectingTimeoutError",
          "[transports][connect]") {
  FullBacklog full;
  Events client;
  Harness h(anyBackend());
  auto factory = std::make_shared<TestClientFactory>(client);
  factory->onFailed = [&h](IConnector&, const Failure&) { h.stop(); };
  const double start = h.reactor.seconds();
  h.reactor.connectTCP("127.0.0.1", full.port, factory, 300ms);
  h.run();
  REQUIRE(factory->failure);
  INFO(factory->failure->what());
  CHECK(factory->failure->check<ConnectingTimeoutError>());
  CHECK(h.reactor.seconds() - start >= 0.29);
}

TEST_CASE("stopConnecting reports ConnectingCancelledError on a later turn",
          "[transports][connect]") {
  FullBacklog full;
  Events client;
  Harness h(anyBackend());
  auto factory = std::make_shared<TestClientFactory>(client);
  factory->onFailed = [&h](IConnector&, const Failure&) { h.stop(); };
  IConnector& connector = h.reactor.connectTCP("127.0.0.1", full.port, factory);
  int failedInside = -1;
  h.reactor.callLater(50ms, [&] {
    connector.stopConnecting();
    failedInside = factory->failed;
  });
  h.run();
  CHECK(failedInside == 0);
  REQUIRE(factory->failure);
  CHECK(factory->failure->check<ConnectingCancelledError>());
  CHECK(factory->stopped == 1);
}

TEST_CASE("connector.connect() from clientConnectionFailed tries again with the same connector",
          "[transports][connect]") {
  ReservedPort reserved;
  Events client;
  Harness h(anyBackend());
  auto factory = std::make_shared<TestClientFactory>(client);
  IConnector* first = nullptr;
  factory->onFailed = [&](IConnector& connector, const Failure&) {
    if (first == nullptr) {
      first = &connector;
      connector.connect();
    } else {
      CHECK(&connector == first);
      h.stop();
    }
  };
  h.reactor.connectTCP("127.0.0.1", reserved.port, factory);
  h.run();
  CHECK(factory->failed == 2);
  CHECK(factory->connecting == 2);
  CHECK(factory->started == 1);  // the factory stays started across the retry
  CHECK(factory->stopped == 1);
}

TEST_CASE("clientConnectionLost follows the protocol's connectionLost, and disconnect() closes",
          "[transports][connect]") {
  Events client;
  Harness h(anyBackend());
  IListeningPort& port =
      h.reactor.listenTCP(0, Factory::forProtocol<EchoProtocol>(), 50, "127.0.0.1");
  IConnector* connector = nullptr;
  auto factory = std::make_shared<TestClientFactory>(client, [&connector](TestProtocol& p) {
    p.onMade = [&connector](TestProtocol&) { connector->disconnect(); };
  });
  int lostBeforeFactory = -1;
  factory->onLost = [&](IConnector&, const Failure& reason) {
    lostBeforeFactory = client.lost;
    CHECK(reason.check<ConnectionDone>());
    h.stop();
  };
  connector = &h.reactor.connectTCP("127.0.0.1", port.getHost().port(), factory);
  h.run();
  CHECK(lostBeforeFactory == 1);
  CHECK(factory->lostCount == 1);
  CHECK(factory->stopped == 1);
}

TEST_CASE("connectTCP binds the local end to bindAddress", "[transports][connect]") {
  Events server;
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.listenTCP(0, testFactory(server), 50, "127.0.0.1");
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [&h](TestProtocol& self) {
      CHECK(self.transport()->getHost().host() == "127.0.0.1");
      h.stop();
    };
  });
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(), factory, 5s,
                       Address::ipv4("127.0.0.1", 0));
  h.run();
  CHECK(client.made == 1);
}

TEST_CASE("A connector cancelled while its host name resolves drops the late answer",
          "[transports][connect][dns]") {
  Events client;
  Harness h(anyBackend());
  auto factory = std::make_shared<TestClientFactory>(client);
  IConnector& connector = h.reactor.connectTCP("localhost", 9, factory);
  // Cancel on the first turn: startedConnecting has run and the lookup is on the pool.
  h.reactor.callLater(0s, [&connector] { connector.stopConnecting(); });
  // Give the lookup time to come back to a connector that no longer exists.
  h.reactor.callLater(300ms, [&h] { h.stop(); });
  h.run();
  REQUIRE(factory->failure);
  CHECK(factory->failure->check<ConnectingCancelledError>());
  CHECK(factory->failed == 1);
  CHECK(client.made == 0);
}
