// framed_echo: echoes each framed message back with the same framing, using torsion's versions of
// twisted.protocols.basic's receivers. It is Twisted's echoserv.py with a LineReceiver (or a
// NetstringReceiver, an IntNStringReceiver) in place of the plain Protocol, and it is what the
// interop tests (tests/interop) point real Twisted clients at.
//
// Run it:          ./build/samples/framed_echo --framing line     # tcp:8000:interface=127.0.0.1
//                  ./build/samples/framed_echo --framing netstring --listen tcp:0:interface=::1
// In a 2nd shell:  printf 'hello\r\nworld\r\n' | nc -q1 127.0.0.1 8000
//                  printf '5:hello,' | nc -q1 127.0.0.1 8000     # with --framing netstring
// Limits are Twisted's MAX_LENGTH defaults (line: 16384, the others: 99999) unless --max-length
// says otherwise. A peer that breaks the framing (an over-long line, a malformed netstring, an
// over-limit length prefix) is dropped where Twisted drops it: the receiver's default hook calls
// loseConnection, which sends the echoes already written before closing.
// Exit status: 0 after SIGINT/SIGTERM, 2 for bad options, 1 if it cannot listen.
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

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

namespace {

// Turns Nagle's algorithm off, so that each echo leaves at once instead of waiting for the ACK
// of the previous one: a client that waits for its echoes (as the interop tests do) would
// otherwise stall on its delayed ACK.
void sendAtOnce(torsion::ITransport* transport) {
  if (auto* tcp = dynamic_cast<torsion::ITCPTransport*>(transport)) {
    tcp->setTcpNoDelay(true);
  }
}

// Each echo protocol only overrides the hook that receives a message; framing, limits and
// dropping a broken peer are the base class's job.
class LineEcho final : public torsion::LineReceiver {
 public:
  explicit LineEcho(std::size_t maxLength) : LineReceiver(maxLength) {}

  void connectionMade() override { sendAtOnce(transport()); }

  void lineReceived(std::string_view line) override { sendLine(line); }
};

// snippet-begin: netstring-echo
class NetstringEcho final : public torsion::NetstringReceiver {
 public:
  explicit NetstringEcho(std::size_t maxLength) : NetstringReceiver(maxLength) {}

  void connectionMade() override { sendAtOnce(transport()); }

  void stringReceived(std::string_view string) override { sendString(string); }
};

// snippet-end

template <class Receiver>  // Int8StringReceiver, Int16StringReceiver or Int32StringReceiver
class PrefixedEcho final : public Receiver {
 public:
  explicit PrefixedEcho(std::size_t maxLength) : Receiver(maxLength) {}

  void connectionMade() override { sendAtOnce(this->transport()); }

  void stringReceived(std::string_view string) override { this->sendString(string); }
};

// The factory for `framing`, with Twisted's MAX_LENGTH unless `maxLength` is given.
std::shared_ptr<torsion::Factory> echoFactory(const std::string& framing,
                                              std::optional<std::size_t> maxLength) {
  using torsion::Factory;
  if (framing == "line") {
    return Factory::forProtocol<LineEcho>(maxLength.value_or(LineEcho::kDefaultMaxLength));
  }
  const std::size_t limit = maxLength.value_or(torsion::NetstringReceiver::kDefaultMaxLength);
  if (framing == "netstring") {
    return Factory::forProtocol<NetstringEcho>(limit);
  }
  if (framing == "int8") {
    return Factory::forProtocol<PrefixedEcho<torsion::Int8StringReceiver>>(limit);
  }
  if (framing == "int16") {
    return Factory::forProtocol<PrefixedEcho<torsion::Int16StringReceiver>>(limit);
  }
  return Factory::forProtocol<PrefixedEcho<torsion::Int32StringReceiver>>(limit);
}

int run(int argc, char** argv) {
  CLI::App app{"torsion framed echo server: echoes lines, netstrings or length-prefixed strings"};
  std::string listen = "tcp:8000:interface=127.0.0.1";
  std::string framing;
  std::optional<std::size_t> maxLength;
  app.add_option("--listen", listen, "Server endpoint description")->capture_default_str();
  app.add_option("--framing", framing, "How messages are framed")
      ->required()
      ->check(CLI::IsMember({"line", "netstring", "int8", "int16", "int32"}));
  app.add_option("--max-length", maxLength, "Longest message accepted (Twisted's MAX_LENGTH)")
      ->check([](const std::string& text) {
        // CLI11 2.1 would let "-1" or an overflowing number through as a huge value.
        std::size_t value = 0;
        const char* end = text.data() + text.size();
        const auto parsed = std::from_chars(text.data(), end, value);
        return parsed.ec == std::errc{} && parsed.ptr == end ? std::string()
                                                             : "not a byte count: " + text;
      });
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help
  } catch (const CLI::ParseError& e) {
    // One line, and the conventional status for a usage error.
    fmt::print(stderr, "framed_echo: {}\n", e.what());
    return 2;
  }

  try {
    // The reactor installs SIGINT/SIGTERM handlers that stop it gracefully.
    torsion::Reactor reactor;
    auto endpoint = torsion::serverFromString(reactor, listen);
    torsion::IListeningPort& port = endpoint->listen(echoFactory(framing, maxLength));
    // Tests read the port from this line when they listen on port 0.
    fmt::print("framed_echo listening on {} ({} framing)\n", port.getHost().toString(), framing);
    std::fflush(stdout);
    reactor.run();
  } catch (const torsion::EndpointParseError& e) {
    fmt::print(stderr, "framed_echo: {}\n", e.what());
    return 2;
  } catch (const torsion::Error& e) {
    fmt::print(stderr, "framed_echo: {}\n", e.what());
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
    std::fprintf(stderr, "framed_echo: %s\n", e.what());
    return 1;
  }
}
