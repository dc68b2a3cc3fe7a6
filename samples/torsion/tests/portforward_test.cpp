// The portforward service with the testing kit: PortForwardService's wiring on a
// MemoryReactorClock (listen, connect to --connect, bytes both ways, stop), its option errors,
// and the subcommand's description. tests/portforward_driver.py runs the program itself.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/memory_reactor_clock.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/errors.hpp>

#include "portforward_service.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::cli::PortForwardService;

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("PortForwardService forwards each accepted connection to the --connect endpoint",
          "[cli][portforward]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::testing::MemoryReactorClock reactor;
  PortForwardService forward(reactor, reactor, {"tcp:6666:interface=127.0.0.1"},
                             "tcp:host=127.0.0.1:port=8080", 5s);
  forward.startService();
  REQUIRE(reactor.tcpServers().size() == 1);
  CHECK(reactor.tcpServers()[0].port == 6666);
  CHECK(reactor.tcpServers()[0].interface == "127.0.0.1");
  CHECK(reactor.tcpClients().empty());  // nothing connects before a client does

  auto* client = reactor.tcpServers()[0].listeningPort->accept();
  REQUIRE(client != nullptr);
  REQUIRE(reactor.tcpClients().size() == 1);
  CHECK(reactor.tcpClients()[0].host == "127.0.0.1");
  CHECK(reactor.tcpClients()[0].port == 8080);
  auto* backend = reactor.tcpClients()[0].connector->succeed();
  REQUIRE(backend != nullptr);

  client->protocol()->dataReceived("request");
  backend->protocol()->dataReceived("response");
  CHECK(backend->value() == "request");
  CHECK(client->value() == "response");

  // Stopping asks each connection to close; one whose transport still feeds the other is
  // aborted when the shutdown timeout runs out, and both sides end.
  torsion::Deferred<void> stopped = forward.stopService();
  reactor.advance(4s);
  torsion::testing::assertNoResult(stopped);
  CHECK_FALSE(client->closed());
  reactor.advance(1s);  // the shutdown timeout: both sides are aborted...
  reactor.advance(0s);  // ...and the stop finishes on the next turn
  torsion::testing::successResultOf(stopped);
  CHECK_FALSE(reactor.tcpServers()[0].listeningPort->listening());
  CHECK(client->closed());
  CHECK(backend->closed());
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("PortForwardService rejects a missing or bad --connect naming it", "[cli][portforward]") {
  torsion::testing::MemoryReactorClock reactor;
  try {
    const PortForwardService forward(reactor, reactor, {"tcp:6666"}, "", 5s);
    FAIL("no exception for a missing --connect");
  } catch (const torsion::ValueError& e) {
    CHECK(std::string(e.what()).find("--connect") != std::string::npos);
  }
  CHECK_THROWS_AS(PortForwardService(reactor, reactor, {"tcp:6666"}, "bogus:1", 5s),
                  torsion::EndpointParseError);
  CHECK_THROWS_AS(PortForwardService(reactor, reactor, {"tcp:nope"}, "tcp:localhost:1", 5s),
                  torsion::EndpointParseError);
  CHECK(reactor.tcpServers().empty());
}

TEST_CASE("the portforward command listens on 127.0.0.1:6666 by default and needs --connect",
          "[cli][portforward]") {
  const torsion::cli::ServiceCommand command = torsion::cli::portforwardCommand();
  CHECK(command.name == "portforward");
  CHECK(command.defaultListen == std::vector<std::string>{"tcp:6666:interface=127.0.0.1"});
  REQUIRE(command.options.size() == 1);
  CHECK(command.options[0].name == "--connect");
  CHECK(command.options[0].defaultValue.empty());
}
