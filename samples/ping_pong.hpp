// The PING/PONG line protocol of docs/testing.md's tutorial: a server that answers each "PING"
// line with "PONG" and hangs up on a client that stays quiet too long, a client that plays
// PING a few times, and the wiring a program would do. tests/samples/tutorial_test.cpp tests
// it four ways; the regions between "snippet" markers are quoted verbatim by docs/testing.md
// (scripts/check_snippets.py keeps the two equal).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>

#include <torsion/protocols/idle_timeout.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ireactor_tcp.hpp>

namespace samples {

// snippet-begin: server
// Answers "PING" with "PONG"; drops a client that sends nothing for `idle`.
class PingPongServer final : public torsion::LineReceiver {
 public:
  PingPongServer(torsion::IReactorTime& clock, torsion::Seconds idle)
      : idle_(clock, *this), period_(idle) {}

  void connectionMade() override { idle_.setTimeout(period_); }

  void lineReceived(std::string_view line) override {
    idle_.resetTimeout();  // any line counts as traffic
    if (line == "PING") {
      sendLine("PONG");
    } else {
      sendLine("ERROR unknown command");
    }
  }

  void connectionLost(const torsion::Failure&) override { idle_.cancel(); }

 private:
  torsion::IdleTimeout idle_;  // a member, so it dies with the protocol
  torsion::Seconds period_;
};

// snippet-end

// snippet-begin: client
// Sends PING, waits for PONG, `rounds` times, then hangs up.
class PingPongClient final : public torsion::LineReceiver {
 public:
  explicit PingPongClient(int rounds) : rounds_(rounds) {}

  void connectionMade() override { sendLine("PING"); }

  void lineReceived(std::string_view line) override {
    if (line != "PONG") {
      transport()->loseConnection();
      return;
    }
    if (++pongs_ < rounds_) {
      sendLine("PING");
    } else {
      transport()->loseConnection();
    }
  }

  [[nodiscard]] int pongs() const noexcept { return pongs_; }

 private:
  int rounds_;
  int pongs_ = 0;
};

// snippet-end

// snippet-begin: wiring
// What a program does at start-up: listen on `port` of the loopback interface only.
inline void listenPingPong(torsion::IReactorTCP& reactor, torsion::IReactorTime& clock,
                           std::uint16_t port) {
  auto factory = torsion::Factory::fromFunction(
      [&clock](const torsion::Address&) -> std::unique_ptr<torsion::Protocol> {
        return std::make_unique<PingPongServer>(clock, std::chrono::seconds{30});
      });
  reactor.listenTCP(port, factory, 50, "127.0.0.1");
}

// snippet-end

}  // namespace samples
