// send_file: a server that streams one file to every client that connects, then hangs up. It
// shows a pull producer: torsion's FileSender (Twisted's basic.FileSender) reads the next 64 KiB
// chunk only when the transport's buffer has drained, so a slow client never makes the server
// hold more than a chunk of the file, and the Deferred it returns says how the transfer ended.
//
// Run it:          ./build/samples/send_file --file /usr/share/common-licenses/GPL-3
//                  ./build/samples/send_file --listen unix:/tmp/send.sock --file big.iso
// In a 2nd shell:  nc -d 127.0.0.1 8001 > copy && cmp copy /usr/share/common-licenses/GPL-3
// Each transfer is logged ("sent N bytes to PEER", or why it failed). Ctrl-C (SIGINT) or
// SIGTERM stops it with exit status 0; 1 if it cannot listen, 2 for bad options.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <fstream>
#include <memory>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/protocols/file_sender.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>
#include <torsion/transports/reactor.hpp>

namespace {

/// The exit status for bad options, as CLI tools use 2 for usage errors.
constexpr int kUsageError = 2;

// Output goes to a pipe in the tests: flush each line so that it is seen when it happens.
template <class... A>
void say(fmt::format_string<A...> format, A&&... args) {
  fmt::print(format, std::forward<A>(args)...);
  fmt::print("\n");
  std::fflush(stdout);
}

// One per connection: starts the transfer once the connection is up and logs how it ended.
class SendFile final : public torsion::Protocol {
 public:
  explicit SendFile(std::string path) : path_(std::move(path)) {}

  void connectionMade() override {
    peer_ = transport()->getPeer().toString();
    try {
      // The sender registers itself as the transport's pull producer; from now on the
      // transport calls its resumeProducing each time the buffer is empty, until end of file.
      // The callbacks capture `this`: `sender_` is a member, so the Deferred cannot fire after
      // this protocol is gone.
      (void)sender_.beginFileTransfer(path_, *transport())
          .addCallbacks(
              [this](std::uint64_t sent) {
                say("sent {} bytes to {}", sent, peer_);
                transport()->loseConnection();  // flushes what is buffered, then closes
              },
              [this](const torsion::Failure& reason) {
                say("sending to {} failed: {}", peer_, reason.what());
                // ConnectionLost: the client went away first. Anything else is a read error:
                // abort, so that the client sees a reset rather than a clean, short file.
                if (!reason.check<torsion::ConnectionLost>()) {
                  transport()->abortConnection();
                }
              });
    } catch (const torsion::ValueError& e) {  // the file went away since start-up
      say("cannot send to {}: {}", peer_, e.what());
      transport()->loseConnection();
    }
  }

 private:
  std::string path_;
  std::string peer_;
  torsion::FileSender sender_;  // must outlive the transfer: a member does
};

int run(int argc, char** argv) {
  CLI::App app{"torsion send_file: streams a file to every client, then closes"};
  std::string listen = "tcp:8001:interface=127.0.0.1";
  std::string path;
  app.add_option("--listen", listen, "Server endpoint description")->capture_default_str();
  app.add_option("--file", path, "The file to send")->required()->check(CLI::ExistingFile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "send_file: {}\n", e.what());
    return kUsageError;
  }
  if (!std::ifstream(path)) {  // exists, but unreadable: say so now rather than per client
    fmt::print(stderr, "send_file: cannot read {}\n", path);
    return kUsageError;
  }

  try {
    torsion::Reactor reactor;  // installs SIGINT/SIGTERM handlers that stop it gracefully
    auto endpoint = torsion::serverFromString(reactor, listen);
    torsion::IListeningPort& port = endpoint->listen(torsion::Factory::forProtocol<SendFile>(path));
    say("send_file listening on {}, sending {}", port.getHost().toString(), path);
    reactor.run();
  } catch (const torsion::EndpointParseError& e) {
    fmt::print(stderr, "send_file: {}\n", e.what());
    return kUsageError;
  } catch (const torsion::Error& e) {  // CannotListenError: the port is taken, ...
    fmt::print(stderr, "send_file: {}\n", e.what());
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
    std::fprintf(stderr, "send_file: %s\n", e.what());
    return 1;
  }
}
