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
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/protocols/errors.hpp>
#include <torsion/protocols/netstring_receiver.hpp>

#include "fake_connection.hpp"
#include "fuzz_input.hpp"
#include "fuzz_target.hpp"

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
class Receiver final : public torsion::NetstringReceiver {
 public:
  explicit Receiver(const Options& options)
      : NetstringReceiver(options.maxLength), options_(&options) {}

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
        expectedWrites_.append(std::to_string(string.size())).append(":").append(string) += ',';
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

  void connectionLost(const torsion::Failure& reason) override {
    check(!lost_, "connectionLost ran twice");
    lost_ = true;
    NetstringReceiver::connectionLost(reason);
  }

  [[nodiscard]] bool lost() const noexcept { return lost_; }

  Outcome finish(const torsion::testing::StringTransport& transport) {
    check(transport.value() == expectedWrites_,
          "the transport holds other bytes than sendString's");
    outcome_.written = transport.value();
    return std::move(outcome_);
  }

 private:
  void checkMayDeliver() const {
    check(!lost_, "a hook ran after connectionLost");
    check(transport() != nullptr, "a hook ran without a transport");
    check(!transport()->disconnecting(), "a hook ran after the transport started disconnecting");
  }

  const Options* options_;
  Outcome outcome_;
  std::string expectedWrites_;
  bool lost_ = false;
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
  const std::uint8_t maxLength = input.takeByte();
  if (maxLength >= 224) {
    options.maxLength = torsion::NetstringReceiver::kDefaultMaxLength;
  } else if (maxLength == 223) {
    options.maxLength = std::numeric_limits<std::size_t>::max();
  } else {
    options.maxLength = maxLength % 64U;
  }
  options.transportKind = input.takeByte();
  options.changesAllowed = (input.takeByte() & 0x01U) != 0;
  return options;
}

Outcome run(const Options& options, const std::vector<std::string_view>& chunks) {
  Receiver receiver(options);
  torsion::fuzz::FakeConnection connection(options.transportKind);
  connection.connect(receiver);
  for (const std::string_view chunk : chunks) {
    if (!connection.reading() || receiver.lost()) {
      break;  // A real transport stops reading once a close was requested.
    }
    receiver.dataReceived(chunk);
    connection.endTurn();
  }
  return receiver.finish(connection.transport());
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes the name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torsion::fuzz::FuzzInput input(data, size);
  const Options options = readOptions(input);
  const std::string_view sizes = input.takeBytes(input.takeByte());
  const std::string_view stream = input.takeRest();
  const std::vector<std::string_view> chunks = torsion::fuzz::cutIntoChunks(stream, sizes);
  const Expected expected = reference(stream, options);
  const Outcome chunked = run(options, chunks);
  check(chunked.strings == expected.strings, "the strings differ from the reference parser's");
  check(chunked.error.has_value() == expected.broken,
        "the receiver and the reference parser disagree on whether the peer is broken");
  if (chunks.size() > 1) {
    const Outcome whole = run(options, {stream});
    check(whole.strings == expected.strings, "the strings differ from the reference parser's");
    check(whole.error == chunked.error, "chunking changed the netstring error");
    check(whole.written == chunked.written, "chunking changed what was written");
  }
  return 0;
}
