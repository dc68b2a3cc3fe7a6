// echo_client: connects to an echo server, sends a message, waits until all of it has come back,
// prints it and exits. It mirrors Twisted's echoclient.py.
//
// Run it (after starting echo_server in another shell):
//   ./build/samples/echo_client                                 # tcp:host=127.0.0.1:port=8000
//   ./build/samples/echo_client --message 'hi there' --connect unix:path=/tmp/echo.sock
// Exit status: 0 when the echo matched, 1 otherwise (refused, lost, mismatched).
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
  CLI::App app{"torsion echo client: sends a message and checks the echo"};
  std::string connect = "tcp:host=127.0.0.1:port=8000";
  std::string message = "hello, world";
  app.add_option("--connect", connect, "Client endpoint description")->capture_default_str();
  app.add_option("--message", message, "What to send")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (message.empty()) {
    fmt::print(stderr, "echo_client: --message must not be empty\n");
    return 1;
  }

  bool matched = false;
  std::string received;
  try {
    torsion::Reactor reactor;
    auto endpoint = torsion::clientFromString(reactor, connect);
    // `matched`, `received` and `reactor` live in run()'s frame, which outlives every protocol.
    auto factory = torsion::Factory::fromFunction([&](const torsion::Address&) {
      return std::make_unique<samples::EchoClient>(
          message, [&](bool ok, const std::string& echoed, const torsion::Failure& reason) {
            matched = ok;
            received = echoed;
            if (!ok) {
              fmt::print(stderr, "echo_client: connection lost: {}\n", reason.what());
            }
            reactor.stop();
          });
    });
    endpoint->connect(
        factory, [](torsion::Protocol&) {},
        [&reactor](const torsion::Failure& reason) {
          fmt::print(stderr, "echo_client: {}\n", reason.what());
          reactor.stop();
        });
    reactor.run();
  } catch (const torsion::Error& e) {
    fmt::print(stderr, "echo_client: {}\n", e.what());
    return 1;
  }
  if (matched) {
    fmt::print("{}\n", received);
  }
  return matched ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  // Anything not handled in run() (CLI11 set-up, output errors) ends the program with one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "echo_client: %s\n", e.what());
    return 1;
  }
}
