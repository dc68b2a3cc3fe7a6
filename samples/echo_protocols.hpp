// The two protocols of the echo samples, kept apart from their main() so that
// tests/samples/echo_test.cpp can drive them with the testing kit (StringTransport, loopback
// pump): the same classes run over real sockets in echo_server and echo_client.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/transports/protocol.hpp>

namespace samples {

// Writes back every byte it receives. One Echo per connection; the connection owns it and
// destroys it after connectionLost.
class Echo final : public torsion::Protocol {
 public:
  void dataReceived(std::string_view data) override {
    // write() copies or sends at once, so `data` need not outlive the call.
    transport()->write(data);
  }
};

// Sends `message` on connect, hangs up once as many bytes have come back, and reports from
// connectionLost whether they matched, with what came back and why the connection ended.
class EchoClient final : public torsion::Protocol {
 public:
  using Done = torsion::UniqueFunction<void(bool matched, const std::string& received,
                                            const torsion::Failure& reason)>;

  EchoClient(std::string message, Done done)
      : message_(std::move(message)), done_(std::move(done)) {}

  void connectionMade() override { transport()->write(message_); }

  void dataReceived(std::string_view data) override {
    received_.append(data);
    if (received_.size() >= message_.size()) {
      transport()->loseConnection();  // connectionLost follows on a later turn
    }
  }

  void connectionLost(const torsion::Failure& reason) override {
    done_(received_ == message_, received_, reason);
  }

 private:
  std::string message_;
  std::string received_;
  Done done_;
};

}  // namespace samples
