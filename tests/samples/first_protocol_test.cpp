// The Greeter of docs/getting-started.md, tested with a StringTransport: bytes in, bytes out, no
// sockets. The regions between "snippet" markers are quoted verbatim by the guide.
#include "first_protocol.hpp"

#include <memory>

#include <catch2/catch.hpp>

#include <torsion/testing/string_transport.hpp>

// snippet-begin: test
TEST_CASE("Greeter greets each name and says goodbye on quit", "[samples][greeter]") {
  auto factory = std::make_shared<samples::GreeterFactory>();
  torsion::testing::StringTransport transport;
  auto greeter = factory->buildProtocol(transport.getPeer());
  transport.connect(*greeter);  // makeConnection: connectionMade asks the question now
  CHECK(transport.value() == "Hello! What is your name? ('quit' to leave)\n");

  transport.clear();
  greeter->dataReceived("alice\r\nbo");  // CRLF works too, and a line may arrive in pieces
  greeter->dataReceived("b\n");
  CHECK(transport.value() == "Hello, alice! (greeting #1)\nHello, bob! (greeting #2)\n");

  transport.clear();
  greeter->dataReceived("quit\n");
  CHECK(transport.value() == "Bye!\n");
  CHECK(transport.disconnecting());  // loseConnection was asked for
}

// snippet-end

TEST_CASE("Greeters built by one factory share its count", "[samples][greeter]") {
  auto factory = std::make_shared<samples::GreeterFactory>();
  torsion::testing::StringTransport first;
  torsion::testing::StringTransport second;
  auto one = factory->buildProtocol(first.getPeer());
  auto two = factory->buildProtocol(second.getPeer());
  first.connect(*one);
  second.connect(*two);
  first.clear();
  second.clear();

  one->dataReceived("alice\n");
  two->dataReceived("bob\n");
  one->dataReceived("\n");
  CHECK(first.value() == "Hello, alice! (greeting #1)\nSay something.\n");
  CHECK(second.value() == "Hello, bob! (greeting #2)\n");
  CHECK(factory->greetings() == 2);
  CHECK_FALSE(first.disconnecting());
}

TEST_CASE("Greeter drops a line longer than 1024 bytes with the connection", "[samples][greeter]") {
  auto factory = std::make_shared<samples::GreeterFactory>();
  torsion::testing::StringTransport transport;
  auto greeter = factory->buildProtocol(transport.getPeer());
  transport.connect(*greeter);
  transport.clear();

  greeter->dataReceived(std::string(2000, 'x'));  // LineReceiver's limit: lineLengthExceeded
  CHECK(transport.value().empty());
  CHECK(transport.disconnecting());
  CHECK(factory->greetings() == 0);
}
