// Adopting sockets opened elsewhere (systemd socket activation, a parent process).
#include <memory>
#include <string>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "transports_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

TEST_CASE("An adopted listening socket accepts and echoes", "[transports][adopt]") {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);  // NOLINT
  REQUIRE(::listen(listener, 16) == 0);
  Events client;
  Harness h(anyBackend());
  IListeningPort& port = h.reactor.adoptStreamPort(listener, AddressFamily::kIPv4,
                                                   Factory::forProtocol<EchoProtocol>());
  ::close(listener);  // the reactor keeps its own duplicate
  REQUIRE(port.getHost().port() != 0);
  auto factory = std::make_shared<TestClientFactory>(client, [&h](TestProtocol& p) {
    p.onMade = [](TestProtocol& self) { self.transport()->write("adopted"); };
    p.onData = [&h](TestProtocol&, std::string_view) { h.stop(); };
  });
  h.reactor.connectTCP("127.0.0.1", port.getHost().port(), factory);
  h.run();
  CHECK(client.received == "adopted");
}

TEST_CASE("An adopted connected socket runs a protocol; connectionMade comes on a later turn",
          "[transports][adopt]") {
  int pair[2] = {-1, -1};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
  Events left;
  Events right;
  Harness h(anyBackend());
  h.reactor.adoptStreamConnection(pair[0], AddressFamily::kUnix,
                                  Factory::forProtocol<EchoProtocol>());
  h.reactor.adoptStreamConnection(
      pair[1], AddressFamily::kUnix,
      testFactory(right, std::function<void(TestProtocol&)>([&h](TestProtocol& p) {
                    p.onMade = [](TestProtocol& self) {
                      self.transport()->write("through a socketpair");
                    };
                    p.onData = [&h](TestProtocol&, std::string_view) { h.stop(); };
                  })));
  CHECK(right.made == 0);
  ::close(pair[0]);
  ::close(pair[1]);
  h.run();
  CHECK(right.received == "through a socketpair");
  (void)left;
}

TEST_CASE("Adopting a descriptor of the wrong kind throws ValueError", "[transports][adopt]") {
  Harness h(anyBackend());
  const int udp = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int tcp = ::socket(AF_INET, SOCK_STREAM, 0);
  CHECK_THROWS_AS(
      h.reactor.adoptStreamPort(udp, AddressFamily::kIPv4, Factory::forProtocol<EchoProtocol>()),
      ValueError);
  CHECK_THROWS_AS(
      h.reactor.adoptStreamPort(tcp, AddressFamily::kIPv4, Factory::forProtocol<EchoProtocol>()),
      ValueError);  // not listening
  CHECK_THROWS_AS(
      h.reactor.adoptStreamPort(tcp, AddressFamily::kIPv6, Factory::forProtocol<EchoProtocol>()),
      ValueError);  // wrong family
  CHECK_THROWS_AS(h.reactor.adoptStreamConnection(tcp, AddressFamily::kIPv4,
                                                  Factory::forProtocol<EchoProtocol>()),
                  ValueError);  // not connected
  ::close(udp);
  ::close(tcp);
  h.reactor.callLater(0s, [&h] { h.stop(); });
  h.run();
}

TEST_CASE("An adopted datagram socket delivers datagrams", "[transports][adopt][udp]") {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);  // NOLINT
  Harness h(anyBackend());
  std::string got;

  class Catcher final : public DatagramProtocol {
   public:
    Catcher(std::string& got, Harness& h) : got_(got), h_(h) {}

    void datagramReceived(std::string_view data, const Address&) override {
      got_ = std::string(data);
      h_.stop();
    }

   private:
    std::string& got_;
    Harness& h_;
  };

  IUDPTransport& port =
      h.reactor.adoptDatagramPort(fd, AddressFamily::kIPv4, std::make_unique<Catcher>(got, h));
  ::close(fd);
  const Address target = port.getHost();

  class Sender final : public DatagramProtocol {
   public:
    explicit Sender(Address to) : to_(std::move(to)) {}

    void startProtocol() override { transport()->write("adopted datagram", to_); }

   private:
    Address to_;
  };

  h.reactor.listenUDP(0, std::make_unique<Sender>(target), "127.0.0.1");
  h.run();
  CHECK(got == "adopted datagram");
}
