// torsion_echo: torsion's echo server for the echo suite (issue #9), one backend per process.
//
// The same Protocol as samples/echo_server.cpp (dataReceived writes the bytes back), on a
// Reactor whose backend is chosen on the command line, listening on 127.0.0.1.
//
// Usage: torsion_echo [--port N] [--reactor epoll|poll|uv] [--host-loop]
//   (port 0, the default: any free port)
// Prints "ready <port>" once listening; SIGTERM or SIGINT stops the reactor cleanly.
//
// --host-loop (epoll only): the reactor does not run itself. A "host" loop of this program's
// own (an epoll set holding the reactor's embedding descriptor and a signalfd) waits, and calls
// `iterate(0s)` whenever the descriptor is readable: the embedding of issue #9's target
// "an echo driven by a host loop runs at 0.9x or better of the self-driven one".
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <torsion/reactor/unique_fd.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ilistening_port.hpp>
#include <torsion/transports/protocol.hpp>
#include <torsion/transports/reactor.hpp>

#include "echo_support.hpp"

namespace {

class Echo final : public torsion::Protocol {
 public:
  void dataReceived(std::string_view data) override { transport()->write(data); }
};

int usage() {
  std::fprintf(stderr, "usage: torsion_echo [--port N] [--reactor epoll|poll|uv] [--host-loop]\n");
  return 2;
}

/// The host's loop: waits on its own epoll set and lets torsion take a turn when its
/// descriptor is readable, until SIGTERM or SIGINT arrives on the signalfd.
void runHostLoop(torsion::Reactor& reactor) {
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGTERM);
  sigaddset(&stopSignals, SIGINT);
  sigprocmask(SIG_BLOCK, &stopSignals, nullptr);
  const torsion::UniqueFd signals(::signalfd(-1, &stopSignals, SFD_CLOEXEC));
  const torsion::UniqueFd host(::epoll_create1(EPOLL_CLOEXEC));
  if (!signals.valid() || !host.valid()) {
    throw std::runtime_error("host loop: signalfd/epoll_create1 failed");
  }
  const int torsionFd = reactor.embeddingDescriptor();
  for (const int fd : {torsionFd, signals.get()}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(host.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      throw std::runtime_error("host loop: epoll_ctl failed");
    }
  }
  std::array<epoll_event, 2> ready{};
  for (;;) {
    const int n = ::epoll_wait(host.get(), ready.data(), static_cast<int>(ready.size()), -1);
    if (n < 0 && errno != EINTR) {
      throw std::runtime_error("host loop: epoll_wait failed");
    }
    for (int i = 0; i < n; ++i) {
      if (ready[static_cast<std::size_t>(i)].data.fd == signals.get()) {
        return;
      }
      reactor.iterate(std::chrono::seconds(0));
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  long port = 0;
  bool hostLoop = false;
  torsion::ReactorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--host-loop") {
      hostLoop = true;
      continue;
    }
    if (i + 1 >= argc) {
      return usage();
    }
    if (arg == "--port") {
      port = std::strtol(argv[++i], nullptr, 10);
    } else if (arg == "--reactor") {
      options.backend = torsion::parseReactorBackend(argv[++i]);
    } else {
      return usage();
    }
  }
  if (port < 0 || port > 65535) {
    return usage();
  }
  torsion::bench::raiseFdLimit(torsion::bench::kServerFdLimit);
  try {
    torsion::Reactor reactor(options);
    torsion::IListeningPort& listening = reactor.listenTCP(
        static_cast<std::uint16_t>(port), torsion::Factory::forProtocol<Echo>(), 4096, "127.0.0.1");
    std::printf("ready %u\n", static_cast<unsigned>(listening.getHost().port()));
    std::fflush(stdout);
    if (hostLoop) {
      runHostLoop(reactor);
    } else {
      reactor.run();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torsion_echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
