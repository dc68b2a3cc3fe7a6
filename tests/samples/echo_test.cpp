// The echo samples' protocols, tested with the testing kit: bytes in and out with a
// StringTransport, and the real client against the real server through the loopback pump.
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/testing/loopback_pump.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/transports/errors.hpp>

#include "echo_protocols.hpp"

namespace {

struct ClientResult {
  bool finished = false;
  bool matched = false;
  std::string received;
  bool cleanClose = false;
};

std::unique_ptr<samples::EchoClient> makeClient(std::string message, ClientResult& result) {
  return std::make_unique<samples::EchoClient>(
      std::move(message),
      [&result](bool matched, const std::string& received, const torsion::Failure& reason) {
        result.finished = true;
        result.matched = matched;
        result.received = received;
        result.cleanClose = reason.check<torsion::ConnectionDone>().has_value();
      });
}

// A server that answers with the bytes reversed: the client must notice the mismatch.
class Reverser final : public torsion::Protocol {
  void dataReceived(std::string_view data) override {
    transport()->write(std::string(data.rbegin(), data.rend()));
  }
};

}  // namespace

TEST_CASE("Echo writes back every chunk, in order", "[samples][echo]") {
  torsion::testing::StringTransport transport;
  samples::Echo echo;
  transport.connect(echo);

  echo.dataReceived("hello, ");
  echo.dataReceived("world");
  CHECK(transport.value() == "hello, world");
  echo.dataReceived(std::string_view("\0bin\r\n", 6));
  CHECK(transport.value() == std::string("hello, world\0bin\r\n", 18));
  CHECK_FALSE(transport.disconnecting());
}

TEST_CASE("EchoClient writes its message on connect and hangs up once it is back",
          "[samples][echo]") {
  torsion::testing::StringTransport transport;
  ClientResult result;
  auto client = makeClient("ping", result);
  transport.connect(*client);
  CHECK(transport.value() == "ping");

  client->dataReceived("pi");
  CHECK_FALSE(transport.disconnecting());  // half the echo is not enough
  client->dataReceived("ng");
  CHECK(transport.disconnecting());
}

TEST_CASE("EchoClient and Echo talk through the loopback pump, however the bytes are cut",
          "[samples][echo]") {
  using torsion::testing::Chunking;
  const Chunking chunking = GENERATE(Chunking::wholeWrites(), Chunking::oneByte(),
                                     Chunking::randomSplits(7), Chunking::randomSplits(1234));
  INFO("chunking: " << chunking.toString());
  ClientResult result;
  const std::string message(10000, 'x');
  torsion::testing::LoopbackOptions options;
  options.chunking = chunking;
  auto pump = torsion::testing::connectedServerAndClient(std::make_unique<samples::Echo>(),
                                                         makeClient(message, result), options);
  pump->pump();
  REQUIRE(result.finished);
  CHECK(result.matched);
  CHECK(result.received == message);
  CHECK(result.cleanClose);
}

TEST_CASE("EchoClient reports a mismatched echo", "[samples][echo]") {
  ClientResult result;
  auto pump = torsion::testing::connectedServerAndClient(std::make_unique<Reverser>(),
                                                         makeClient("abc", result));
  pump->pump();
  REQUIRE(result.finished);
  CHECK_FALSE(result.matched);
  CHECK(result.received == "cba");
}
