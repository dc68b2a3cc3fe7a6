// coroutine_client: an echo client written as one C++20 coroutine over torsion Deferreds, read
// top to bottom like Twisted code with inlineCallbacks (or async def). It connects through an
// endpoint, sends N lines and co_awaits each echo with a timeout, then hangs up and reports.
// It shows co_await on a Deferred, addTimeout, failures arriving as exceptions, and a
// DeferredQueue handing a protocol's lines to the coroutine.
//
// Run it (after starting echo_server in another shell):
//   ./build/samples/echo_server
//   ./build/samples/coroutine_client --lines 5                   # tcp:host=127.0.0.1:port=8000
//   ./build/samples/coroutine_client --connect unix:path=/tmp/echo.sock --timeout 0.5
// Exit status: 0 every echo matched, 1 could not connect or the connection was lost, 2 bad
// options, 3 an echo did not match, 4 an echo did not come back within --timeout seconds.
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/application/react.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/deferred_queue.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/reactor.hpp>

namespace {

constexpr int kLost = 1;
constexpr int kUsageError = 2;
constexpr int kMismatch = 3;
constexpr int kTimedOut = 4;

struct Options {
  std::string connect = "tcp:host=127.0.0.1:port=8000";
  int lines = 3;
  double timeout = 5.0;
};

/// What the connection hands the coroutine: each line received, then nullopt once it is lost.
using Lines = torsion::DeferredQueue<std::optional<std::string>>;

// Queues every line it receives, and the end of the connection, for the coroutine.
class QueueingLines final : public torsion::LineReceiver {
 public:
  explicit QueueingLines(Lines& lines) : LineReceiver(kDefaultMaxLength, "\n"), lines_(lines) {}

  void lineReceived(std::string_view line) override { lines_.put(std::string(line)); }

  void connectionLost(const torsion::Failure& reason) override {
    LineReceiver::connectionLost(reason);
    lines_.put(std::nullopt);
  }

 private:
  Lines& lines_;
};

// Owns the queue: the connection keeps its factory alive until after connectionLost, and the
// coroutine holds it too, so whichever ends first, neither sees the queue die.
class LinesFactory final : public torsion::Factory {
 public:
  std::unique_ptr<torsion::Protocol> buildProtocol(const torsion::Address& /*addr*/) override {
    return std::make_unique<QueueingLines>(lines);
  }

  Lines lines;
};

// Twisted's connectProtocol: a Deferred of the connected protocol, or of the ConnectError.
torsion::Deferred<torsion::LineReceiver*> connectProtocol(torsion::IStreamClientEndpoint& endpoint,
                                                          std::shared_ptr<LinesFactory> factory) {
  torsion::Deferred<torsion::LineReceiver*> connected;
  (void)endpoint.connect(
      std::move(factory),
      [connected](torsion::Protocol& p) mutable {
        connected.callback(&dynamic_cast<torsion::LineReceiver&>(p));
      },
      [connected](const torsion::Failure& reason) mutable { connected.errback(reason); });
  return connected;
}

// The next line, or nullopt once the connection is lost; TimeoutError after `timeout`.
torsion::Deferred<std::optional<std::string>> nextLine(Lines& lines, torsion::Reactor& reactor,
                                                       torsion::Seconds timeout) {
  torsion::Deferred<std::optional<std::string>> next = lines.get();
  next.addTimeout(timeout, reactor);  // cancelling the get takes it off the queue
  return next;
}

// The whole conversation. A coroutine is a named function taking its parameters by value
// (STYLE.md rule 17); `reactor` is react's, which outlives it.
torsion::Deferred<int> converse(torsion::Reactor* reactor, Options options) {
  const torsion::Seconds timeout{options.timeout};
  std::unique_ptr<torsion::IStreamClientEndpoint> endpoint;
  try {
    endpoint = torsion::clientFromString(*reactor, options.connect);
  } catch (const torsion::EndpointParseError& e) {
    fmt::print(stderr, "coroutine_client: {}\n", e.what());
    co_return kUsageError;
  }
  auto factory = std::make_shared<LinesFactory>();
  torsion::LineReceiver* protocol = nullptr;
  try {
    protocol = co_await connectProtocol(*endpoint, factory);  // a failure arrives as a throw
  } catch (const torsion::ConnectError& e) {
    fmt::print(stderr, "coroutine_client: cannot connect: {}\n", e.what());
    co_return kLost;
  }
  // `protocol` stays valid until the queue yields nullopt (its connectionLost ran); past that
  // point the coroutine never touches it.
  for (int i = 1; i <= options.lines; ++i) {
    const std::string line = fmt::format("line {} of {}", i, options.lines);
    protocol->sendLine(line);
    std::optional<std::string> echo;
    try {
      echo = co_await nextLine(factory->lines, *reactor, timeout);
    } catch (const torsion::TimeoutError&) {
      fmt::print(stderr, "coroutine_client: no echo of line {} within {}s\n", i, options.timeout);
      protocol->transport()->abortConnection();
      co_return kTimedOut;
    }
    if (!echo) {
      fmt::print(stderr, "coroutine_client: connection lost after {} echoes\n", i - 1);
      co_return kLost;
    }
    if (*echo != line) {
      fmt::print(stderr, "coroutine_client: sent '{}', got '{}' back\n", line, *echo);
      protocol->transport()->loseConnection();
      co_return kMismatch;
    }
  }
  // Hang up, and wait for the close to finish (lines still queued, if any, are dropped).
  protocol->transport()->loseConnection();
  try {
    while (co_await nextLine(factory->lines, *reactor, timeout)) {
    }
  } catch (const torsion::TimeoutError&) {  // the peer does not read what is left to flush
    protocol->transport()->abortConnection();
  }
  fmt::print("coroutine_client: {} of {} lines echoed\n", options.lines, options.lines);
  co_return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"torsion coroutine_client: sends lines to an echo server, co_awaits each echo"};
  Options options;
  app.add_option("--connect", options.connect, "Client endpoint description")
      ->capture_default_str();
  app.add_option("--lines", options.lines, "How many lines to send")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--timeout", options.timeout, "Seconds to wait for each echo")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "coroutine_client: {}\n", e.what());
    return kUsageError;
  }
  // react runs the reactor until converse's Deferred fires, and returns what it fired with.
  return torsion::react(
      [options](torsion::Reactor& reactor) { return converse(&reactor, options); });
}

}  // namespace

int main(int argc, char** argv) {
  // Anything not handled in run() (CLI11 set-up, output errors) ends the program with one line.
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "coroutine_client: %s\n", e.what());
    return 1;
  }
}
