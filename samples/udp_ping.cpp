// udp_ping: UDP ping and pong with DatagramProtocol and listenUDP, mirroring Twisted's
// echoserv_udp.py and echoclient_udp.py. The client sends numbered pings, prints the round trip
// of each pong, and gives up on those that do not come back within --timeout.
//
// Run it:          ./build/samples/udp_ping server                 # 127.0.0.1:8002
// In a 2nd shell:  ./build/samples/udp_ping client --count 5
// Exit status: the client 0 when every pong came back, 1 on a timeout or a refusal (nothing
// listens); the server 0 after Ctrl-C (SIGINT) or SIGTERM; both 2 for a bad command line.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/errors.hpp>
#include <torsion/transports/datagram_protocol.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/reactor.hpp>

namespace {

// Answers "PING n" with "PONG n", to whoever sent it; ignores anything else.
class Ponger final : public torsion::DatagramProtocol {
  void datagramReceived(std::string_view datagram, const torsion::Address& from) override {
    if (datagram.starts_with("PING ")) {
      transport()->write("PONG " + std::string(datagram.substr(5)), from);
    }
  }
};

struct PingOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8002;
  int count = 3;
  double interval = 0.2;  // seconds between pings
  double timeout = 2.0;   // seconds to wait for the pongs after the last ping
};

// Sends `count` pings to one server and stops the reactor once every pong is back (exit 0), or
// at the timeout, a refusal or an interruption (exit 1). It owns its two timers and cancels them
// when it finishes, at the latest in stopProtocol, so the `this` they capture never dangles.
class Pinger final : public torsion::DatagramProtocol {
 public:
  Pinger(torsion::Reactor& reactor, PingOptions options, int& status)
      : reactor_(reactor), options_(std::move(options)), status_(status) {}

  void startProtocol() override {
    // Connected mode: only the server may answer, and an ICMP "port unreachable" is reported.
    transport()->connect(options_.host, options_.port);
    sendPing();
  }

  void datagramReceived(std::string_view datagram, const torsion::Address& from) override {
    if (!datagram.starts_with("PONG ")) {
      return;
    }
    std::size_t n = 0;  // the sequence number, 1..count
    const std::string_view digits = datagram.substr(5);
    if (std::from_chars(digits.data(), digits.data() + digits.size(), n).ec != std::errc{} ||
        n < 1 || n > rtts_.size() || rtts_[n - 1] >= 0) {
      return;  // not an answer to one of our pings, or a duplicate
    }
    const double rtt = (reactor_.seconds() - sentAt_[n - 1]) * 1000.0;
    rtts_[n - 1] = rtt;
    fmt::print("pong {} from {}: rtt {:.3f} ms\n", n, from.toString(), rtt);
    if (++pongs_ == options_.count) {
      const auto [min, max] = std::minmax_element(rtts_.begin(), rtts_.end());
      fmt::print("{} pings, {} pongs, rtt min/max {:.3f}/{:.3f} ms\n", options_.count, pongs_, *min,
                 *max);
      finish(0, "");
    }
  }

  void connectionRefused() override {
    finish(1, fmt::format("{}:{} refused the ping: nothing listens there", options_.host,
                          options_.port));
  }

  // The last call, after finish() or when Ctrl-C stopped the reactor first.
  void stopProtocol() override {
    report(1, fmt::format("interrupted: {} of {} pongs came back", pongs_, options_.count));
  }

 private:
  void sendPing() {
    sentAt_.push_back(reactor_.seconds());
    rtts_.push_back(-1);
    transport()->write(fmt::format("PING {}", sentAt_.size()));
    if (static_cast<int>(sentAt_.size()) < options_.count) {
      next_ = reactor_.callLater(torsion::Seconds{options_.interval}, [this] { sendPing(); });
    } else {
      deadline_ = reactor_.callLater(torsion::Seconds{options_.timeout}, [this] {
        finish(1, fmt::format("timed out: {} of {} pongs missing after {} s",
                              options_.count - pongs_, options_.count, options_.timeout));
      });
    }
  }

  void finish(int status, const std::string& message) {
    if (!finished_) {
      report(status, message);
      try {
        reactor_.stop();
      } catch (const torsion::ReactorNotRunning&) {
        // Ctrl-C began the shutdown already.
      }
    }
  }

  // Records the outcome once and cancels the timers.
  void report(int status, const std::string& message) {
    if (finished_) {
      return;
    }
    finished_ = true;
    status_ = status;
    if (!message.empty()) {
      fmt::print(stderr, "udp_ping: {}\n", message);
    }
    for (torsion::DelayedCall* call : {&next_, &deadline_}) {
      if (call->active()) {
        call->cancel();
      }
    }
  }

  torsion::Reactor& reactor_;
  PingOptions options_;
  int& status_;
  std::vector<double> sentAt_;  // reactor time of each ping
  std::vector<double> rtts_;    // milliseconds; -1 until its pong arrives
  int pongs_ = 0;
  bool finished_ = false;
  torsion::DelayedCall next_;
  torsion::DelayedCall deadline_;
};

int run(int argc, char** argv) {
  CLI::App app{"UDP ping and pong over torsion's listenUDP"};
  app.require_subcommand(1);
  PingOptions options;
  CLI::App* server = app.add_subcommand("server", "Answer pings on 127.0.0.1:PORT");
  server->add_option("--port", options.port, "UDP port (0: any free port)")->capture_default_str();
  CLI::App* client = app.add_subcommand("client", "Send pings and print round-trip times");
  client->add_option("--host", options.host, "Server address (numeric)")->capture_default_str();
  client->add_option("--port", options.port, "Server port")->capture_default_str();
  client->add_option("--count", options.count, "Pings to send")->check(CLI::Range(1, 1000));
  client->add_option("--interval", options.interval, "Seconds between pings")
      ->check(CLI::Range(0.0, 60.0));
  client->add_option("--timeout", options.timeout, "Seconds to wait after the last ping")
      ->check(CLI::Range(0.0, 600.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; a bad command line is a usage error
  }

  int status = 0;
  try {
    torsion::Reactor reactor;  // SIGINT/SIGTERM stop it gracefully
    if (server->parsed()) {
      torsion::IUDPTransport& port =
          reactor.listenUDP(options.port, std::make_unique<Ponger>(), "127.0.0.1");
      fmt::print("udp_ping server listening on {}\n", port.getHost().toString());
      std::fflush(stdout);
    } else {
      // Port 0: the kernel picks the client's own port.
      reactor.listenUDP(0, std::make_unique<Pinger>(reactor, options, status), "127.0.0.1");
    }
    reactor.run();
  } catch (const torsion::Error& e) {  // a port in use, a non-numeric --host
    fmt::print(stderr, "udp_ping: {}\n", e.what());
    return 1;
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  // Anything not handled in run() (CLI11 set-up, output errors) ends the program with one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "udp_ping: %s\n", e.what());
    return 1;
  }
}
