// The services wired through real endpoint strings to a MemoryReactorClock: what they listen
// on and connect to, with the fake ports and connectors driven by the test and the fake clock
// driving ClientService's backoff.

#include <chrono>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/application/client_service.hpp>
#include <torsion/application/multi_service.hpp>
#include <torsion/application/stream_server_endpoint_service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/memory_reactor_clock.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::ClientService;
using torsion::Deferred;
using torsion::Protocol;
using torsion::StreamServerEndpointService;
using torsion::testing::ConnectorState;
using torsion::testing::failureResultOf;
using torsion::testing::MemoryReactorClock;
using torsion::testing::successResultOf;

namespace {

class Greeter final : public Protocol {
 public:
  void connectionMade() override { transport()->write("hi\n"); }
};

}  // namespace

TEST_CASE("StreamServerEndpointService listens where its endpoint string says, on a MemoryReactor",
          "[application][stream-server][memory-reactor]") {
  torsion::testing::UnhandledFailureGuard guard;
  MemoryReactorClock reactor;
  torsion::MultiService root;
  root.addService(std::make_unique<StreamServerEndpointService>(
      torsion::serverFromString(reactor, "tcp:8023:interface=127.0.0.1"),
      torsion::Factory::forProtocol<Greeter>()));
  root.addService(std::make_unique<StreamServerEndpointService>(
      torsion::serverFromString(reactor, "unix:/tmp/torsion-test.sock"),
      torsion::Factory::forProtocol<Greeter>()));
  root.startService();
  REQUIRE(reactor.tcpServers().size() == 1);
  CHECK(reactor.tcpServers()[0].port == 8023);
  CHECK(reactor.tcpServers()[0].interface == "127.0.0.1");
  REQUIRE(reactor.unixServers().size() == 1);
  CHECK(reactor.unixServers()[0].path == "/tmp/torsion-test.sock");

  auto* wire = reactor.tcpServers()[0].listeningPort->accept();
  REQUIRE(wire != nullptr);
  CHECK(wire->value() == "hi\n");

  // A second service on the same TCP port cannot listen.
  StreamServerEndpointService clash(
      torsion::serverFromString(reactor, "tcp:8023:interface=127.0.0.1"),
      torsion::Factory::forProtocol<Greeter>());
  CHECK_THROWS_AS(clash.startService(), torsion::CannotListenError);

  Deferred<void> stopped = root.stopService();
  CHECK_FALSE(reactor.tcpServers()[0].listeningPort->listening());
  CHECK_FALSE(reactor.unixServers()[0].listeningPort->listening());
  CHECK_FALSE(stopped.called());  // the ports finish closing on a later turn
  reactor.advance(0s);
  successResultOf(stopped);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ClientService retries refused connections with backoff on a MemoryReactorClock",
          "[application][client-service][memory-reactor]") {
  torsion::testing::UnhandledFailureGuard guard;
  MemoryReactorClock reactor;
  torsion::ClientServiceOptions options;
  options.retryPolicy = torsion::backoffPolicy({.jitter = [] { return 0.0; }});  // 1.5, 2.25, ...
  ClientService client(torsion::clientFromString(reactor, "tcp:host=127.0.0.1:port=8023"),
                       torsion::Factory::forProtocol<Greeter>(), reactor, options);
  Deferred<Protocol*> connected = client.whenConnected();
  Deferred<Protocol*> impatient = client.whenConnected(2);
  client.startService();
  REQUIRE(reactor.tcpClients().size() == 1);
  CHECK(reactor.tcpClients()[0].host == "127.0.0.1");
  CHECK(reactor.tcpClients()[0].port == 8023);

  reactor.tcpClients()[0].connector->fail(
      torsion::Failure(torsion::ConnectionRefusedError("Connection refused")));
  reactor.advance(0s);
  reactor.advance(1.49s);
  CHECK(reactor.tcpClients().size() == 1);  // waiting 1.5 s before the second attempt
  reactor.advance(0.01s);
  REQUIRE(reactor.tcpClients().size() == 2);
  reactor.tcpClients()[1].connector->fail(
      torsion::Failure(torsion::ConnectionRefusedError("Connection refused")));
  failureResultOf<torsion::ConnectionRefusedError>(impatient);
  reactor.advance(2.25s);
  REQUIRE(reactor.tcpClients().size() == 3);

  auto* wire = reactor.tcpClients()[2].connector->succeed();
  REQUIRE(wire != nullptr);
  CHECK(wire->value() == "hi\n");
  Protocol* p = successResultOf(connected);
  CHECK(dynamic_cast<Greeter*>(p) != nullptr);
  CHECK(client.failedAttempts() == 0);

  // The server drops the connection: the client comes back after 1.5 s.
  wire->loseConnection();
  reactor.advance(0s);
  CHECK(reactor.tcpClients()[2].connector->state() == ConnectorState::kDisconnected);
  reactor.advance(1.5s);
  REQUIRE(reactor.tcpClients().size() == 4);

  // Stopped while connecting: the attempt is cancelled and the stop fires once it ended.
  Deferred<Protocol*> waiting = client.whenConnected();
  Deferred<void> stopped = client.stopService();
  failureResultOf<torsion::CancelledError>(waiting);
  CHECK(reactor.tcpClients()[3].connector->stopConnectingCalls() == 1);
  reactor.advance(0s);
  successResultOf(stopped);
  reactor.advance(60s);
  CHECK(reactor.tcpClients().size() == 4);
}
