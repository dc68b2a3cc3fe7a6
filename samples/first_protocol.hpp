// The protocol of docs/getting-started.md ("your first protocol in 5 minutes"): a line-based
// greeter and the factory that builds it. samples/first_protocol.cpp runs it on a Reactor and
// tests/samples/first_protocol_test.cpp tests it with a StringTransport; the regions between
// "snippet" markers are quoted verbatim by the guide (scripts/check_snippets.py keeps the two
// equal).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <torsion/protocols/line_receiver.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

namespace samples {

// snippet-begin: protocol
// One Greeter per connection: it asks for a name, greets every line it gets, and says goodbye
// on "quit". The count of greetings is shared by all connections, so it lives in the factory.
class Greeter final : public torsion::LineReceiver {
 public:
  // Lines end in "\n", which is what nc sends; a "\r" before it is dropped, so CRLF works too.
  explicit Greeter(std::uint64_t& greetings) : LineReceiver(1024, "\n"), greetings_(greetings) {}

  void connectionMade() override { sendLine("Hello! What is your name? ('quit' to leave)"); }

  void lineReceived(std::string_view line) override {
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    if (line == "quit") {
      sendLine("Bye!");
      transport()->loseConnection();  // sends what was written, then closes
    } else if (line.empty()) {
      sendLine("Say something.");
    } else {
      ++greetings_;
      sendLine("Hello, " + std::string(line) + "! (greeting #" + std::to_string(greetings_) + ")");
    }
  }

 private:
  std::uint64_t& greetings_;  // owned by the factory, which outlives every protocol it built
};

// snippet-end

// snippet-begin: factory
// Builds a Greeter for each connection and holds what they share. The listening port and every
// connection hold the factory by shared_ptr, so it lives as long as any of them needs it.
class GreeterFactory final : public torsion::Factory {
 public:
  std::unique_ptr<torsion::Protocol> buildProtocol(const torsion::Address& peer) override {
    (void)peer;  // returning nullptr here would refuse the connection
    return std::make_unique<Greeter>(greetings_);
  }

  [[nodiscard]] std::uint64_t greetings() const noexcept { return greetings_; }

 private:
  std::uint64_t greetings_ = 0;
};

// snippet-end

}  // namespace samples
