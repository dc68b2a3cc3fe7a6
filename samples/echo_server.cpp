// echo_server: the smallest useful torsion server; it writes back every byte it receives, on any
// number of concurrent connections. It mirrors Twisted's echoserv.py.
//
// Run it:          ./build/samples/echo_server                       # tcp:8000:interface=127.0.0.1
//                  ./build/samples/echo_server --listen unix:/tmp/echo.sock
// In a 2nd shell:  ./build/samples/echo_client --message hello
//                  printf 'hello\n' | nc -q1 127.0.0.1 8000
// TORSION_REACTOR=poll (or uv) picks another backend. Ctrl-C (SIGINT) or SIGTERM stops it
// cleanly: the reactor closes every connection and the program exits 0.
#include <cstdio>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>
#include <torsion/transports/reactor.hpp>

#include "echo_protocols.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"torsion echo server: writes back every byte it receives"};
  std::string listen = "tcp:8000:interface=127.0.0.1";
  bool quiet = false;
  app.add_option("--listen", listen, "Server endpoint description")->capture_default_str();
  app.add_flag("--quiet", quiet, "Do not print the listening address");
  CLI11_PARSE(app, argc, argv);

  try {
    // The reactor installs SIGINT/SIGTERM handlers that stop it gracefully.
    torsion::Reactor reactor;
    auto endpoint = torsion::serverFromString(reactor, listen);
    torsion::IListeningPort& port =
        endpoint->listen(torsion::Factory::forProtocol<samples::Echo>());
    if (!quiet) {
      fmt::print("echo_server listening on {} ({} backend)\n", port.getHost().toString(),
                 torsion::backendName(reactor.backend()));
      std::fflush(stdout);
    }
    reactor.run();
  } catch (const torsion::Error& e) {
    fmt::print(stderr, "echo_server: {}\n", e.what());
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
    std::fprintf(stderr, "echo_server: %s\n", e.what());
    return 1;
  }
}
