// first_protocol: the program of docs/getting-started.md. It runs the Greeter line protocol
// (first_protocol.hpp) on a Reactor, the way Twisted's first examples run a Protocol with
// reactor.listenTCP and reactor.run.
//
// Run it:          ./build/samples/first_protocol                  # 127.0.0.1:8001
//                  ./build/samples/first_protocol --port 0         # any free port
// In a 2nd shell:  nc 127.0.0.1 8001      (type a name, then "quit")
// Ctrl-C (SIGINT) or SIGTERM stops it cleanly; it says how many greetings it gave and exits 0.
// Exit status 1 if the port cannot be opened, 2 for a bad command line.
#include "first_protocol.hpp"

#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/transports/errors.hpp>
#include <torsion/transports/ilistening_port.hpp>
#include <torsion/transports/reactor.hpp>

namespace {

int run(int argc, char** argv) {
  CLI::App app{"torsion's first protocol: a line-based greeter on 127.0.0.1"};
  std::uint16_t port = 8001;
  app.add_option("--port", port, "TCP port on 127.0.0.1 (0: any free port)")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;  // --help is 0; a bad command line is a usage error
  }

  try {
    // snippet-begin: main
    torsion::Reactor reactor;  // installs SIGINT/SIGTERM handlers that stop it gracefully
    auto factory = std::make_shared<samples::GreeterFactory>();
    torsion::IListeningPort& listening = reactor.listenTCP(port, factory, 50, "127.0.0.1");
    fmt::print("first_protocol listening on {}\n", listening.getHost().toString());
    std::fflush(stdout);
    reactor.run();  // until Ctrl-C; every connection is closed on the way out
    fmt::print("gave {} greetings; bye\n", factory->greetings());
    // snippet-end
  } catch (const torsion::CannotListenError& e) {
    fmt::print(stderr, "first_protocol: {}\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Anything not handled in run() (CLI11 set-up, output errors) ends the program with one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "first_protocol: %s\n", e.what());
    return 1;
  }
}
