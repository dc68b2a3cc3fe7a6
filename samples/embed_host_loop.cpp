// embed_host_loop: a "host daemon" that owns its poll() loop and embeds a torsion reactor in it.
// The host watches stdin (its commands), a signalfd (SIGINT/SIGTERM) and a timerfd (its
// --seconds deadline); torsion adds one descriptor, embeddingDescriptor(), and runs one turn,
// iterate(0s), whenever that descriptor is readable. Through it torsion serves echo on --listen.
// Twisted has no single example for this; it is what its wxreactor and gtk reactors do inside.
// docs/embedding.md explains the three ways to embed torsion.
//
// Run it:          ./build/samples/embed_host_loop              # echo on 127.0.0.1:8003
// In a 2nd shell:  printf 'hello\n' | nc -q1 127.0.0.1 8003
// With --adopt-fd N it serves on a listening socket it inherited instead, as from systemd.
// Type "stats" for the host's counters; "quit", end of input (Ctrl-D), Ctrl-C or --seconds
// stops it (exit 0). Exit status 1 if it cannot listen, 2 for a bad option or endpoint.
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/reactor/unique_fd.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>
#include <torsion/transports/reactor.hpp>

using namespace std::chrono_literals;

namespace {

// What the host counts. torsion's protocols run on the host's thread, inside iterate(), so they
// update it directly: no locks.
struct Stats {
  std::uint64_t connections = 0;
  std::uint64_t bytes = 0;
  std::uint64_t turns = 0;  // iterate() calls
};

// Echo that counts into the host's Stats, which outlive the reactor and so every protocol.
class CountingEcho final : public torsion::Protocol {
 public:
  explicit CountingEcho(Stats& stats) : stats_(stats) {}

  void connectionMade() override { ++stats_.connections; }

  void dataReceived(std::string_view data) override {
    stats_.bytes += data.size();
    transport()->write(data);
  }

 private:
  Stats& stats_;
};

torsion::UniqueFd checked(int fd, const char* what) {
  if (fd < 0) {
    throw std::system_error(errno, std::generic_category(), what);
  }
  return torsion::UniqueFd{fd};
}

// Reads what stdin has and runs each complete line. Returns why the host should stop, or "".
std::string_view hostCommands(std::string& pending, const Stats& stats) {
  std::array<char, 512> chunk{};
  const ssize_t n = ::read(STDIN_FILENO, chunk.data(), chunk.size());
  if (n <= 0) {
    return n < 0 && errno == EINTR ? "" : "end of input";
  }
  pending.append(chunk.data(), static_cast<std::size_t>(n));
  for (std::size_t end = pending.find('\n'); end != std::string::npos; end = pending.find('\n')) {
    const std::string line = pending.substr(0, end);
    pending.erase(0, end + 1);
    if (line == "quit") {
      return "quit";
    }
    if (line == "stats") {
      fmt::print("host: {} connections, {} bytes echoed, {} torsion turns\n", stats.connections,
                 stats.bytes, stats.turns);
    } else if (!line.empty()) {
      fmt::print("host: unknown command '{}' (stats, quit)\n", line);
    }
  }
  return "";
}

// Reads the signal that made the signalfd readable, and names it.
std::string_view takeSignal(int signals) {
  signalfd_siginfo info{};
  if (::read(signals, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) {
    return "";
  }
  return info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM";
}

int run(int argc, char** argv) {
  CLI::App app{"A host daemon with its own poll() loop that embeds a torsion reactor"};
  std::string listen = "tcp:8003:interface=127.0.0.1";
  double seconds = 0;
  int adoptFd = -1;
  app.add_option("--listen", listen, "Echo server endpoint")->capture_default_str();
  app.add_option("--adopt-fd", adoptFd, "Serve on this inherited listening IPv4 TCP socket instead")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--seconds", seconds, "Stop after this long (0: run until told)")
      ->check(CLI::Range(0.0, 86400.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; a bad command line is a usage error
  }
  std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ);  // a line at a time, even into a pipe

  // The host owns the signals: it blocks them and reads them from a signalfd in its poll set.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGINT);
  sigaddset(&mask, SIGTERM);
  sigprocmask(SIG_BLOCK, &mask, nullptr);
  const torsion::UniqueFd signals = checked(::signalfd(-1, &mask, SFD_CLOEXEC), "signalfd");
  // The host's own timer: its --seconds deadline (left unarmed for 0).
  const torsion::UniqueFd deadline =
      checked(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC), "timerfd_create");
  const auto ns = static_cast<long>(seconds * 1e9);
  const itimerspec when{{0, 0}, {ns / 1'000'000'000, ns % 1'000'000'000}};
  ::timerfd_settime(deadline.get(), 0, &when, nullptr);

  Stats stats;
  try {
    // snippet-begin: setup
    torsion::ReactorOptions options;
    options.backend = torsion::ReactorBackend::kEpoll;  // the backend with an embedding fd
    options.installSignalHandlers = false;              // the host owns SIGINT and SIGTERM
    torsion::Reactor reactor(options);
    auto factory = torsion::Factory::fromFunction(
        [&stats](const torsion::Address&) { return std::make_unique<CountingEcho>(stats); });
    // snippet-end
    // snippet-begin: adopt
    torsion::IListeningPort* port = nullptr;
    if (adoptFd >= 0) {
      // A listening socket the host was handed (by systemd, by a parent). torsion serves on a
      // duplicate of it, so the host closes its own descriptor.
      port = &reactor.adoptStreamPort(adoptFd, torsion::AddressFamily::kIPv4, factory);
      ::close(adoptFd);
    } else {
      port = &torsion::serverFromString(reactor, listen)->listen(factory);
    }
    // snippet-end
    fmt::print("embed_host_loop: echo on {}\n", port->getHost().toString());

    // snippet-begin: loop
    std::array<pollfd, 4> watched{{{reactor.embeddingDescriptor(), POLLIN, 0},
                                   {STDIN_FILENO, POLLIN, 0},
                                   {signals.get(), POLLIN, 0},
                                   {deadline.get(), POLLIN, 0}}};
    std::string pending;
    std::string_view stopReason;
    while (stopReason.empty()) {
      if (::poll(watched.data(), watched.size(), -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        throw std::system_error(errno, std::generic_category(), "poll");
      }
      if ((watched[0].revents & POLLIN) != 0) {
        reactor.iterate(0s);  // torsion has work: ready sockets, due calls, callFromThread
        ++stats.turns;
      }
      if ((watched[1].revents & (POLLIN | POLLHUP)) != 0) {
        stopReason = hostCommands(pending, stats);  // "quit", or end of input
      }
      if ((watched[2].revents & POLLIN) != 0) {
        stopReason = takeSignal(signals.get());
      }
      if ((watched[3].revents & POLLIN) != 0) {
        stopReason = "--seconds elapsed";
      }
    }
    fmt::print("host: {}, stopping\n", stopReason);
    // snippet-end

    // snippet-begin: shutdown
    // run() was never called, so there is no shutdown sequence: close the port, and let
    // the reactor's destructor close the connections that are left (without their hooks).
    bool closed = false;
    port->stopListening([&closed] { closed = true; });
    for (int turn = 0; turn < 100 && !closed; ++turn) {
      reactor.iterate(10ms);
    }
    // snippet-end
  } catch (const torsion::ValueError& e) {  // a bad endpoint, or --adopt-fd not a listener
    fmt::print(stderr, "embed_host_loop: {}\n", e.what());
    return 2;
  } catch (const torsion::Error& e) {  // a port in use
    fmt::print(stderr, "embed_host_loop: {}\n", e.what());
    return 1;
  }
  fmt::print("host: {} connections, {} bytes echoed; bye\n", stats.connections, stats.bytes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Anything not handled in run() (CLI11 set-up, system errors) ends the program with one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_host_loop: %s\n", e.what());
    return 1;
  }
}
