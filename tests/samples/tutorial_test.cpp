// docs/testing.md's tutorial: the PING/PONG protocol (samples/ping_pong.hpp) tested four ways.
// The regions between "snippet" markers are quoted verbatim by the tutorial
// (scripts/check_snippets.py, run by ctest, keeps them equal), so the docs cannot rot.
#include <chrono>
#include <memory>

#include <catch2/catch.hpp>

#include <torsion/reactor/clock.hpp>
#include <torsion/testing/loopback_pump.hpp>
#include <torsion/testing/memory_reactor_clock.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/transports/errors.hpp>

#include "ping_pong.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): 30s reads well

// snippet-begin: bytes
TEST_CASE("PING gets PONG; anything else gets an error", "[tutorial]") {
  torsion::Clock clock;
  torsion::testing::StringTransport transport;
  samples::PingPongServer server{clock, 30s};
  transport.connect(server);  // makeConnection: connectionMade runs now

  server.dataReceived("PING\r\n");
  CHECK(transport.value() == "PONG\r\n");

  transport.clear();
  server.dataReceived("PI");  // a line may arrive in pieces
  server.dataReceived("NG\r\nHELLO\r\n");
  CHECK(transport.value() == "PONG\r\nERROR unknown command\r\n");
  CHECK_FALSE(transport.disconnecting());
}

// snippet-end

// snippet-begin: timeout
TEST_CASE("A quiet client is dropped after 30 s; traffic restarts the countdown", "[tutorial]") {
  torsion::Clock clock;
  torsion::testing::StringTransport transport;
  samples::PingPongServer server{clock, 30s};
  transport.connect(server);

  clock.advance(29s);
  server.dataReceived("PING\r\n");  // at 29 s: the countdown starts again
  clock.advance(29s);
  CHECK_FALSE(transport.disconnecting());
  clock.advance(1s);  // 30 s after the last line
  CHECK(transport.disconnecting());
}

// snippet-end

// snippet-begin: loopback
TEST_CASE("Client and server play three rounds through the loopback pump", "[tutorial]") {
  torsion::Clock clock;
  torsion::testing::LoopbackOptions options;
  options.chunking = torsion::testing::Chunking::oneByte();  // the harshest network
  auto pump = torsion::testing::connectedServerAndClient(
      std::make_unique<samples::PingPongServer>(clock, 30s),
      std::make_unique<samples::PingPongClient>(3), options);

  pump->pump();  // move bytes both ways until both ends are quiet

  CHECK(pump->clientAs<samples::PingPongClient>().pongs() == 3);
  CHECK_FALSE(pump->client().connected());  // the client hung up; connectionLost ran
  CHECK_FALSE(pump->server().connected());
}

// snippet-end

// snippet-begin: wiring
TEST_CASE("The program listens on 127.0.0.1:8007 with a PING/PONG factory", "[tutorial]") {
  torsion::testing::MemoryReactorClock reactor;  // records listenTCP; time from its Clock
  samples::listenPingPong(reactor, reactor, 8007);

  REQUIRE(reactor.tcpServers().size() == 1);
  const auto& server = reactor.tcpServers()[0];
  CHECK(server.port == 8007);
  CHECK(server.interface == "127.0.0.1");

  // Play a client connecting: the factory the program passed builds the protocol.
  auto* transport = server.listeningPort->accept();
  REQUIRE(transport != nullptr);
  transport->protocol()->dataReceived("PING\r\n");
  CHECK(transport->value() == "PONG\r\n");
  reactor.advance(30s);  // the same idle timeout, on the reactor's fake clock
  CHECK(transport->disconnecting());
}

// snippet-end
