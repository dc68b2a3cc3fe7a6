// Fuzz target: NetstringReceiver (protocols/include/torsion/protocols/netstring_receiver.hpp).
//
// Input: [maxLength][transport kind][flags][n][n chunk sizes][stream]. A string's first byte may
// make the hook act (see Action).
//
// Invariants, beyond "no crash, no leak, no UB":
// - no hook runs after connectionLost or once the transport is disconnecting; no string is
//   delivered after netstringError, which runs at most once and with brokenPeer() set;
// - a delivered string is at most maxLength bytes;
// - the strings delivered, and whether the peer was found broken, equal those of a plain
//   reference parser of the whole stream (netstrings.txt's grammar, no leading zeros, the length
//   refused as soon as its digits pass maxLength), whatever the chunking; the error message does
//   not depend on the chunking either;
// - what sendString wrote is exactly what the transport holds.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/protocols/errors.hpp>
#include <torsion/protocols/netstring_receiver.hpp>

#include "receiver_fuzz_driver.hpp"

namespace {

using torsion::fuzz::check;

// What a hook does when a string starts with this byte.
enum class Action : unsigned char {
  kLose = 0x03,
  kNewMaxLength = 0x06,
  kEcho = 0x07,
  kAbort = 0x0b,
};

struct Options {
  std::size_t maxLength = 0;
  std::uint8_t transportKind = 0;
  bool changesAllowed = false;  // kNewMaxLength strings act

  // The reference parser defines the outcome whatever the chunking.
  [[nodiscard]] static bool chunkIndependent() noexcept { return true; }
};

struct Outcome {
  std::vector<std::string> strings;
  std::optional<std::string> error;  // netstringError's message
  std::string written;
};

// The limit a kNewMaxLength string sets.
std::size_t newMaxLength(std::string_view string) {
  return string.size() > 1 ? static_cast<unsigned char>(string[1]) % 64U : 0U;
}

// Whether a string that starts with `action` ends the connection.
bool closes(Action action) {
  return action == Action::kLose || action == Action::kAbort;
}

// The receiver under test: records what it delivers, checks each hook call against the
// invariants above, and acts on the messages as the input says.
class Receiver final : public torsion::fuzz::RecordingReceiver<torsion::NetstringReceiver> {
 public:
  explicit Receiver(const Options& options)
      : RecordingReceiver(options.maxLength), options_(&options) {}

  void stringReceived(std::string_view string) override {
    checkMayDeliver();
    check(!brokenPeer(), "a string was delivered from a broken peer");
    check(string.size() <= maxLength(), "a string longer than maxLength was delivered");
    outcome_.strings.emplace_back(string);
    if (string.empty()) {
      return;
    }
    switch (static_cast<Action>(string.front())) {
      case Action::kLose:
        transport()->loseConnection();
        break;
      case Action::kNewMaxLength:
        if (options_->changesAllowed) {
          setMaxLength(newMaxLength(string));
        }
        break;
      case Action::kEcho:
        expectWritten(std::to_string(string.size()) + ':');
        expectWritten(string);
        expectWritten(",");
        sendString(string);
        break;
      case Action::kAbort:
        transport()->abortConnection();
        break;
    }
  }

  void netstringError(const torsion::NetstringParseError& error) override {
    checkMayDeliver();
    check(brokenPeer(), "netstringError ran without brokenPeer()");
    check(!outcome_.error, "netstringError ran twice");
    outcome_.error = error.what();
    // The default, minus its log line (which would flood the fuzzer's output).
    transport()->loseConnection();
  }

  Outcome finish(const torsion::testing::StringTransport& transport) {
    outcome_.written = checkWritten(transport, "the transport holds other bytes than sendString's");
    return std::move(outcome_);
  }

 private:
  const Options* options_;
  Outcome outcome_;
};

struct Expected {
  std::vector<std::string> strings;
  bool broken = false;
};

enum class Field : std::uint8_t { kIncomplete, kBroken, kComplete };

// Reads a length field and its ':' from stream[pos..], leaving `pos` after them.
Field readLength(std::string_view stream, std::size_t& pos, std::size_t maxLength,
                 std::size_t& length) {
  length = 0;
  std::size_t digits = 0;
  for (; pos < stream.size(); ++pos) {
    const char c = stream[pos];
    if (c == ':') {
      ++pos;
      return digits == 0 ? Field::kBroken : Field::kComplete;
    }
    const bool leadingZero = digits > 0 && length == 0;
    if (c < '0' || c > '9' || leadingZero) {
      return Field::kBroken;
    }
    const auto digit = static_cast<std::size_t>(c - '0');
    if (digit > maxLength || length > (maxLength - digit) / 10) {
      return Field::kBroken;  // length * 10 + digit > maxLength, without overflowing
    }
    length = length * 10 + digit;
    ++digits;
  }
  return Field::kIncomplete;
}

// Parses the whole stream as the netstring grammar says, acting on the strings as the hook does.
// Deliberately written apart from the receiver's state machine: it is the oracle.
Expected reference(std::string_view stream, const Options& options) {
  Expected expected;
  std::size_t maxLength = options.maxLength;
  std::size_t pos = 0;
  while (pos < stream.size()) {
    std::size_t length = 0;
    const Field field = readLength(stream, pos, maxLength, length);
    if (field != Field::kComplete) {
      expected.broken = field == Field::kBroken;
      return expected;
    }
    if (stream.size() - pos <= length) {
      return expected;  // The string or its comma has not arrived.
    }
    if (stream[pos + length] != ',') {
      expected.broken = true;
      return expected;
    }
    const std::string_view string = stream.substr(pos, length);
    pos += length + 1;
    expected.strings.emplace_back(string);
    const auto action = string.empty() ? Action{} : static_cast<Action>(string.front());
    if (closes(action)) {
      return expected;
    }
    if (action == Action::kNewMaxLength && options.changesAllowed) {
      maxLength = newMaxLength(string);
    }
  }
  return expected;
}

Options readOptions(torsion::fuzz::FuzzInput& input) {
  Options options;
  options.maxLength = torsion::fuzz::readMaxLength(
      input, {.defaultMax = torsion::NetstringReceiver::kDefaultMaxLength,
              .modulus = 64,
              .offersUnbounded = true});
  options.transportKind = input.takeByte();
  options.changesAllowed = (input.takeByte() & 0x01U) != 0;
  return options;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes the name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torsion::fuzz::FuzzInput input(data, size);
  const Options options = readOptions(input);
  const torsion::fuzz::ChunkedStream chunkedStream = torsion::fuzz::readChunkedStream(input);
  const Expected expected = reference(chunkedStream.stream, options);
  const auto runs = torsion::fuzz::runChunkedAndWhole<Receiver>(options, chunkedStream);
  check(runs.chunked.strings == expected.strings, "the strings differ from the reference parser's");
  check(runs.chunked.error.has_value() == expected.broken,
        "the receiver and the reference parser disagree on whether the peer is broken");
  if (runs.whole) {
    check(runs.whole->strings == expected.strings,
          "the strings differ from the reference parser's");
    check(runs.whole->error == runs.chunked.error, "chunking changed the netstring error");
    check(runs.whole->written == runs.chunked.written, "chunking changed what was written");
  }
  return 0;
}
