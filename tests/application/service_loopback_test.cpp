// Real sockets on 127.0.0.1: StreamServerEndpointService and ClientService against each other,
// on every reactor backend, bounded by the reactor's own timer.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>

#include <torsion/application/client_service.hpp>
#include <torsion/application/stream_server_endpoint_service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

#include "../transports/transports_test_support.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::ClientService;
using torsion::Deferred;
using torsion::Protocol;
using torsion::StreamServerEndpointService;

namespace {

/// Says "ping" on connecting and collects what comes back.
class Collector final : public Protocol {
 public:
  void connectionMade() override { transport()->write("ping"); }

  void dataReceived(std::string_view data) override {
    received.append(data);
    if (onData) {
      onData(received);
    }
  }

  std::string received;
  std::function<void(const std::string&)> onData;
};

std::string localEndpoint() {
  return "tcp:0:interface=127.0.0.1";
}

}  // namespace

TEST_CASE("StreamServerEndpointService listens while running and closes the port on stop",
          "[application][stream-server][loopback]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::test::Harness h(torsion::test::anyBackend());
  StreamServerEndpointService service(torsion::serverFromString(h.reactor, localEndpoint()),
                                      torsion::Factory::forProtocol<torsion::test::EchoProtocol>());
  service.startService();
  REQUIRE(service.port() != nullptr);
  std::uint16_t port = service.port()->getHost().port();

  torsion::test::Events events;
  auto client = std::make_shared<torsion::test::TestClientFactory>(
      events, [](torsion::test::TestProtocol& p) {
        p.onMade = [](torsion::test::TestProtocol& self) { self.transport()->write("hello"); };
        p.onData = [](torsion::test::TestProtocol& self, std::string_view) {
          self.transport()->loseConnection();
        };
      });
  bool stopFired = false;
  client->onLost = [&service, &h, &stopFired](torsion::IConnector&, const torsion::Failure&) {
    Deferred<void> stopped = service.stopService();
    (void)stopped.addCallback([&h, &stopFired] {
      stopFired = true;
      h.stop();
    });
  };
  h.reactor.connectTCP("127.0.0.1", port, client);
  h.run();
  CHECK(events.received == "hello");
  CHECK(stopFired);
  CHECK_FALSE(service.running());
  CHECK(service.port() == nullptr);
}

TEST_CASE("StreamServerEndpointService's start throws CannotListenError for a port in use",
          "[application][stream-server][loopback]") {
  torsion::test::Harness h(torsion::test::anyBackend());
  StreamServerEndpointService first(torsion::serverFromString(h.reactor, localEndpoint()),
                                    torsion::Factory::forProtocol<torsion::test::EchoProtocol>());
  first.startService();
  std::string busy =
      "tcp:" + std::to_string(first.port()->getHost().port()) + ":interface=127.0.0.1";
  StreamServerEndpointService second(torsion::serverFromString(h.reactor, busy),
                                     torsion::Factory::forProtocol<torsion::test::EchoProtocol>());
  CHECK_THROWS_AS(second.startService(), torsion::CannotListenError);
  CHECK_FALSE(second.running());
  (void)first.stopService().addCallback([&h] { h.stop(); });
  h.run();
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ClientService connects, hands out the protocol, reconnects after a loss and stops",
          "[application][client-service][loopback]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::test::Harness h(torsion::test::anyBackend());
  // The server echoes, but drops its first connection at once so that the client reconnects.
  int accepted = 0;
  torsion::test::Events serverEvents;
  auto server = torsion::test::testFactory<torsion::test::TestProtocol>(
      serverEvents, [&accepted](torsion::test::TestProtocol& p) {
        if (++accepted == 1) {
          p.onMade = [](torsion::test::TestProtocol& self) { self.transport()->loseConnection(); };
        }
        p.onData = [](torsion::test::TestProtocol& self, std::string_view data) {
          self.transport()->write(data);
        };
      });
  StreamServerEndpointService listener(torsion::serverFromString(h.reactor, localEndpoint()),
                                       server);
  listener.startService();
  std::string target =
      "tcp:host=127.0.0.1:port=" + std::to_string(listener.port()->getHost().port());

  // Each client connection says "ping"; only the second one is answered.
  std::optional<std::string> echoed;
  bool clientStopped = false;
  std::unique_ptr<ClientService> client;
  auto clientFactory =
      torsion::Factory::fromFunction([&](const torsion::Address&) -> std::unique_ptr<Protocol> {
        auto collector = std::make_unique<Collector>();
        collector->onData = [&](const std::string& got) {
          if (got != "ping" || echoed) {
            return;
          }
          echoed = got;
          (void)client->stopService().addCallback([&] {
            clientStopped = true;
            (void)listener.stopService().addCallback([&h] { h.stop(); });
          });
        };
        return collector;
      });
  torsion::ClientServiceOptions options;
  options.retryPolicy = [](int) { return torsion::Seconds{0.01}; };
  client = std::make_unique<ClientService>(torsion::clientFromString(h.reactor, target),
                                           clientFactory, h.reactor, options);
  int handedOut = 0;
  Deferred<Protocol*> first = client->whenConnected();
  (void)first.addCallback([&handedOut](Protocol* p) {
    REQUIRE(dynamic_cast<Collector*>(p) != nullptr);  // the user's protocol, not the wrapper
    ++handedOut;
  });
  client->startService();
  h.run();
  CHECK(handedOut == 1);
  CHECK(echoed == std::optional<std::string>("ping"));
  CHECK(clientStopped);
  CHECK(accepted >= 2);
  CHECK(client->connectedProtocol() == nullptr);
}
