// torsion_echo: torsion's echo server for the echo suite (issue #9), one backend per process.
//
// The same Protocol as samples/echo_server.cpp (dataReceived writes the bytes back), on a
// Reactor whose backend is chosen on the command line, listening on 127.0.0.1.
//
// Usage: torsion_echo [--port N] [--reactor epoll|poll|uv]   (port 0, the default: any free port)
// Prints "ready <port>" once listening; SIGTERM or SIGINT stops the reactor cleanly.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

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
  std::fprintf(stderr, "usage: torsion_echo [--port N] [--reactor epoll|poll|uv]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  long port = 0;
  torsion::ReactorOptions options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
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
    reactor.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torsion_echo: %s\n", e.what());
    return 1;
  }
  return 0;
}
