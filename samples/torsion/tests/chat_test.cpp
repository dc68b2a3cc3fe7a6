#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/deferred.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/memory_reactor_clock.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/errors.hpp>

#include "chat_service.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::cli::ChatFactory;
using torsion::cli::ChatOptions;
using torsion::testing::StringTransportWithDisconnection;

namespace {

/// One chat user: a protocol from the room on its own StringTransportWithDisconnection.
struct User {
  explicit User(ChatFactory& room)
      : protocol(room.buildProtocol(torsion::Address::ipv4("127.0.0.1", 1))) {
    transport.connect(*protocol);
  }

  /// Feeds `data` in chunks of `chunk` bytes, as the network may split it.
  void type(std::string_view data, std::size_t chunk = 1000) {
    for (std::size_t i = 0; i < data.size() && protocol->connected(); i += chunk) {
      protocol->dataReceived(data.substr(i, chunk));
    }
  }

  /// What the user was sent since the last call.
  std::string read() { return transport.drainAll(); }

  std::unique_ptr<torsion::Protocol> protocol;
  StringTransportWithDisconnection transport;
};

}  // namespace

TEST_CASE("chat greets a user, answers /help and /who, and says bye on /quit", "[cli][chat]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::Clock clock;
  ChatFactory room(clock, ChatOptions{});
  User alice(room);
  CHECK(alice.read() == "* Welcome to torsion chat, guest1. Type /help for commands.\n");

  const auto chunk = static_cast<std::size_t>(GENERATE(1, 2, 5, 100));
  alice.type("/help\n", chunk);
  CHECK(alice.read().rfind("* Commands: /nick NAME", 0) == 0);
  alice.type("/who\r\n", chunk);  // CRLF works as well as LF
  CHECK(alice.read() == "* Online (1): guest1\n");
  alice.type("/frob\n", chunk);
  CHECK(alice.read() == "* Unknown command /frob. Type /help for commands.\n");
  alice.type("/quit\nthis is never read\n", chunk);
  CHECK(alice.read() == "* Bye!\n");
  CHECK_FALSE(alice.protocol->connected());
  CHECK(room.nicks().empty());
}

TEST_CASE("chat broadcasts lines to everyone else and announces joins, renames and leaves",
          "[cli][chat]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::Clock clock;
  ChatFactory room(clock, ChatOptions{});
  User alice(room);
  User bob(room);
  (void)bob.read();
  CHECK(alice.read() ==
        "* Welcome to torsion chat, guest1. Type /help for commands.\n"
        "* guest2 has joined\n");

  alice.type("/nick alice\n");
  CHECK(alice.read() == "* You are now alice\n");
  CHECK(bob.read() == "* guest1 is now known as alice\n");

  bob.type("/nick ALICE\n");  // nicks are unique regardless of case
  CHECK(bob.read() == "* The nick ALICE is taken\n");
  bob.type("/nick bad nick!\n");
  CHECK(bob.read().rfind("* Usage: /nick NAME", 0) == 0);
  bob.type("/nick bob\n");
  (void)bob.read();
  (void)alice.read();

  alice.type("hello bob\r\n");
  CHECK(bob.read() == "<alice> hello bob\n");
  CHECK(alice.read().empty());  // not echoed to the sender
  bob.type("\n   \n");          // blank lines are ignored
  CHECK(alice.read().empty());

  bob.type("/who\n");
  CHECK(bob.read() == "* Online (2): alice, bob\n");

  bob.transport.loseConnection();
  CHECK(alice.read() == "* bob has left\n");
  CHECK(room.nicks() == std::vector<std::string>{"alice"});
}

TEST_CASE("chat disconnects a user silent for the idle timeout, and activity postpones it",
          "[cli][chat]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::Clock clock;
  ChatOptions options;
  options.idleTimeout = 60s;
  ChatFactory room(clock, options);
  User alice(room);
  User bob(room);
  (void)alice.read();

  clock.advance(50s);
  alice.type("still here\n");
  clock.advance(50s);  // bob is past 60 s of silence, alice is not
  CHECK_FALSE(bob.protocol->connected());
  CHECK(bob.read().find("* Disconnected after 60 seconds of silence\n") != std::string::npos);
  CHECK(alice.protocol->connected());
  CHECK(alice.read() == "* guest2 has left\n");
  clock.advance(20s);
  CHECK_FALSE(alice.protocol->connected());
  CHECK(clock.getDelayedCalls().empty());
}

TEST_CASE("chat drops a connection whose line exceeds the maximum length", "[cli][chat]") {
  torsion::Clock clock;
  ChatOptions options;
  options.maxLineLength = 16;
  ChatFactory room(clock, options);
  User alice(room);
  alice.type(std::string(40, 'x') + "\n");
  CHECK_FALSE(alice.protocol->connected());
}

TEST_CASE("chat guest numbers skip nicks already taken", "[cli][chat]") {
  torsion::Clock clock;
  ChatFactory room(clock, ChatOptions{});
  User a(room);
  a.type("/nick guest2\n");
  User b(room);
  CHECK(room.nicks() == std::vector<std::string>{"guest2", "guest3"});
  CHECK(ChatFactory::validNick("a_b-9"));
  CHECK_FALSE(ChatFactory::validNick(""));
  CHECK_FALSE(ChatFactory::validNick(std::string(17, 'a')));
}

TEST_CASE("ChatService listens on every endpoint and, stopping, tells users and closes them",
          "[cli][chat]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::testing::MemoryReactorClock reactor;
  torsion::cli::ChatService chat(
      reactor, reactor, {"tcp:8023:interface=127.0.0.1", "unix:/tmp/chat.sock"}, ChatOptions{}, 5s);
  CHECK_THROWS_AS(torsion::cli::ChatService(reactor, reactor, {"tcp:nope"}, ChatOptions{}, 5s),
                  torsion::EndpointParseError);
  chat.startService();
  REQUIRE(reactor.tcpServers().size() == 1);
  REQUIRE(reactor.unixServers().size() == 1);
  auto* alice = reactor.tcpServers()[0].listeningPort->accept();
  auto* bob = reactor.unixServers()[0].listeningPort->accept();  // one room for both ports
  CHECK(alice->value().find("* guest2 has joined") != std::string::npos);
  CHECK(chat.room().nicks() == std::vector<std::string>{"guest1", "guest2"});

  torsion::Deferred<void> stopped = chat.stopService();
  CHECK(alice->value().find("* The server is shutting down. Bye!\n") != std::string::npos);
  CHECK(bob->value().find("* The server is shutting down. Bye!\n") != std::string::npos);
  reactor.advance(0s);
  torsion::testing::successResultOf(stopped);
  CHECK(chat.room().nicks().empty());  // every connection was closed
}
