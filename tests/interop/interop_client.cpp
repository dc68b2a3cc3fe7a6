// interop_client: the torsion side of "a torsion client against a Twisted server". It connects to
// an echo server (tests/interop/twisted_echo_server.py), writes 10,000 small framed messages and
// one big one, cut at awkward places (framed_stream.hpp) with TCP_NODELAY on, and checks every
// echo, in order, through torsion's receiver for the framing. A piece that completes a message
// is followed by a wait for its echo, so the server reads it alone; the others go one per
// reactor turn.
//
// Run by tests/interop/torsion_client_check.py; by hand:
//   /usr/bin/python3 tests/interop/twisted_echo_server.py --framing int32 --max-length 1048576
//   ./build/tests/interop/interop_client --connect tcp:host=127.0.0.1:port=PORT --framing int32
// Exit status: 0 when every echo matched, 1 otherwise (the reason on stderr), 2 for bad options.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <torsion/protocols/int_n_string_receiver.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/protocols/netstring_receiver.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/itcp_transport.hpp>
#include <torsion/transports/reactor.hpp>

#include "framed_stream.hpp"

namespace {

// One run: writes the stream piece by piece (on the next reactor turn, or once the echoes of the
// messages a piece completed are back) and checks each echo against the next expected message.
// It owns both of its scheduled calls and cancels them when it dies, which is why they may
// capture `this`.
class Exchange {
 public:
  Exchange(torsion::Reactor& reactor, std::vector<std::string> messages,
           interop::FramedStream stream, torsion::Seconds timeout)
      : reactor_(&reactor), messages_(std::move(messages)), stream_(std::move(stream)) {
    deadline_ = reactor.callLater(timeout, [this] {
      fail(fmt::format("timed out with {} of {} echoes and {} of {} pieces written", nextEcho_,
                       messages_.size(), nextPiece_, stream_.pieceEnds.size()));
    });
  }

  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;
  Exchange(Exchange&&) = delete;
  Exchange& operator=(Exchange&&) = delete;

  ~Exchange() {
    cancel(writeCall_);
    cancel(deadline_);
  }

  void connected(torsion::ITransport& transport) {
    transport_ = &transport;
    // Without Nagle, each piece leaves as its own segment instead of being coalesced.
    if (auto* tcp = dynamic_cast<torsion::ITCPTransport*>(&transport)) {
      tcp->setTcpNoDelay(true);
    }
    writeNext();
  }

  void received(std::string_view message) {
    if (!failure_.empty()) {
      return;
    }
    if (nextEcho_ == messages_.size()) {
      fail(fmt::format("an extra echo of {} bytes after all {}", message.size(), nextEcho_));
      return;
    }
    const std::string& expected = messages_[nextEcho_];
    if (message != expected) {
      fail(fmt::format("echo {} differs: {} bytes, expected {}", nextEcho_, message.size(),
                       expected.size()));
      return;
    }
    if (++nextEcho_ == messages_.size()) {
      if (transport_ != nullptr) {
        transport_->loseConnection();  // Done: connectionLost follows and stops the reactor.
      }
    } else if (waiting_ && nextEcho_ == stream_.messagesDone[nextPiece_ - 1]) {
      waiting_ = false;
      scheduleWrite();
    }
  }

  void lost(const torsion::Failure& reason) {
    transport_ = nullptr;
    if (failure_.empty() && nextEcho_ < messages_.size()) {
      fail(fmt::format("connection lost after {} of {} echoes: {}", nextEcho_, messages_.size(),
                       reason.what()));
    }
    finish();
  }

  // Records the first failure, drops the connection and stops the reactor.
  void fail(std::string why) {
    if (failure_.empty()) {
      failure_ = std::move(why);
    }
    if (transport_ != nullptr) {
      transport_->abortConnection();
    }
    finish();
  }

  [[nodiscard]] const std::string& failure() const noexcept { return failure_; }

  [[nodiscard]] std::size_t echoes() const noexcept { return nextEcho_; }

 private:
  static void cancel(torsion::DelayedCall& call) {
    if (call.active()) {
      call.cancel();
    }
  }

  void writeNext() {
    if (transport_ == nullptr || !failure_.empty()) {
      return;
    }
    transport_->write(stream_.piece(nextPiece_));
    if (++nextPiece_ == stream_.pieceEnds.size()) {
      return;
    }
    if (nextEcho_ < stream_.messagesDone[nextPiece_ - 1]) {
      // This piece completed a message: once its echo is back, the server has read the piece
      // on its own, cut exactly here. received() resumes writing.
      waiting_ = true;
      return;
    }
    scheduleWrite();
  }

  void scheduleWrite() {
    // A zero delay runs on a later turn, after the reactor has polled: one piece per turn.
    writeCall_ = reactor_->callLater(std::chrono::seconds{0}, [this] { writeNext(); });
  }

  void finish() {
    cancel(writeCall_);
    cancel(deadline_);
    // stop() throws once the reactor is stopping, and a failure is often followed by the
    // connectionLost it caused.
    if (!stopping_) {
      stopping_ = true;
      reactor_->stop();
    }
  }

  torsion::Reactor* reactor_;
  std::vector<std::string> messages_;
  interop::FramedStream stream_;
  torsion::ITransport* transport_ = nullptr;
  std::size_t nextPiece_ = 0;
  std::size_t nextEcho_ = 0;
  bool waiting_ = false;  // for the echoes of the messages the last piece completed
  std::string failure_;
  bool stopping_ = false;
  torsion::DelayedCall writeCall_;
  torsion::DelayedCall deadline_;
};

// The receiving side for each framing: the receiver parses, Exchange checks.
template <class Receiver>
class StringClient final : public Receiver {
 public:
  StringClient(Exchange& exchange, std::size_t maxLength)
      : Receiver(maxLength), exchange_(&exchange) {}

  void connectionMade() override { exchange_->connected(*this->transport()); }

  void stringReceived(std::string_view string) override { exchange_->received(string); }

  void connectionLost(const torsion::Failure& reason) override { exchange_->lost(reason); }

 private:
  Exchange* exchange_;
};

class LineClient final : public torsion::LineReceiver {
 public:
  LineClient(Exchange& exchange, std::size_t maxLength)
      : LineReceiver(maxLength), exchange_(&exchange) {}

  void connectionMade() override { exchange_->connected(*transport()); }

  void lineReceived(std::string_view line) override { exchange_->received(line); }

  void lineLengthExceeded(std::string_view line) override {
    exchange_->fail(
        fmt::format("an echoed line of {}+ bytes exceeds {}", line.size(), maxLength()));
  }

  void connectionLost(const torsion::Failure& reason) override { exchange_->lost(reason); }

 private:
  Exchange* exchange_;
};

std::unique_ptr<torsion::Protocol> makeClient(interop::Framing framing, Exchange& exchange,
                                              std::size_t maxLength) {
  switch (framing) {
    case interop::Framing::kLine:
      return std::make_unique<LineClient>(exchange, maxLength);
    case interop::Framing::kNetstring:
      return std::make_unique<StringClient<torsion::NetstringReceiver>>(exchange, maxLength);
    case interop::Framing::kInt8:
      return std::make_unique<StringClient<torsion::Int8StringReceiver>>(exchange, maxLength);
    case interop::Framing::kInt16:
      return std::make_unique<StringClient<torsion::Int16StringReceiver>>(exchange, maxLength);
    case interop::Framing::kInt32:
      return std::make_unique<StringClient<torsion::Int32StringReceiver>>(exchange, maxLength);
  }
  return nullptr;
}

struct Options {
  std::string connect;
  std::string framing;
  std::size_t count = 10000;
  std::size_t big = std::size_t{1} << 20U;
  std::optional<std::size_t> maxLength;
  std::uint32_t seed = 7;
  double timeout = 60;
};

int exchange(const Options& options) {
  const interop::Framing framing = interop::parseFraming(options.framing);
  std::vector<std::string> messages =
      interop::makeMessages(framing, options.count, options.big, options.seed);
  interop::FramedStream stream = interop::frameAwkwardly(framing, messages);
  const std::size_t bytes = stream.bytes.size();
  const std::size_t pieces = stream.pieceEnds.size();
  // The receiver must take the big echo: Twisted's default unless the big message needs more.
  const std::size_t maxLength = options.maxLength.value_or(
      std::max(interop::largestMessage(framing, options.big),
               std::size_t{torsion::NetstringReceiver::kDefaultMaxLength}));

  torsion::Reactor reactor;
  Exchange exchange{reactor, std::move(messages), std::move(stream),
                    torsion::Seconds{options.timeout}};
  auto factory =
      torsion::Factory::fromFunction([framing, &exchange, maxLength](const torsion::Address&) {
        return makeClient(framing, exchange, maxLength);
      });
  auto endpoint = torsion::clientFromString(reactor, options.connect);
  endpoint->connect(
      factory, [](torsion::Protocol&) {},
      [&exchange](const torsion::Failure& reason) {
        exchange.fail(fmt::format("cannot connect: {}", reason.what()));
      });
  reactor.run();

  if (!exchange.failure().empty()) {
    fmt::print(stderr, "interop_client: {}: {}\n", options.framing, exchange.failure());
    return 1;
  }
  fmt::print("interop_client: {}: {} echoes matched ({} bytes written in {} pieces)\n",
             options.framing, exchange.echoes(), bytes, pieces);
  return 0;
}

int run(int argc, char** argv) {
  CLI::App app{"torsion interop client: checks framed echoes from a (Twisted) echo server"};
  Options options;
  app.add_option("--connect", options.connect, "Client endpoint description")->required();
  app.add_option("--framing", options.framing, "How messages are framed")
      ->required()
      ->check(CLI::IsMember({"line", "netstring", "int8", "int16", "int32"}));
  app.add_option("--count", options.count, "How many small messages")->capture_default_str();
  app.add_option("--big", options.big, "Size of the big message (capped by the prefix)")
      ->capture_default_str();
  app.add_option("--max-length", options.maxLength, "The receiver's limit for echoes");
  app.add_option("--seed", options.seed, "Seed of the message contents")->capture_default_str();
  app.add_option("--timeout", options.timeout, "Seconds before giving up")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "interop_client: {}\n", e.what());
    return 2;
  }
  return exchange(options);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "interop_client: %s\n", e.what());
    return 1;
  }
}
