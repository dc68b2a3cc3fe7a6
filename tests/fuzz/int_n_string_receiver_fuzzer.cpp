// Fuzz target: Int8StringReceiver, Int16StringReceiver and Int32StringReceiver
// (protocols/include/torsion/protocols/int_n_string_receiver.hpp); the first byte picks one.
//
// Input: [prefix size][maxLength][transport kind][flags][n][n chunk sizes][stream]. A string's
// first byte may make the hook act (see Action).
//
// Invariants, beyond "no crash, no leak, no UB":
// - no hook runs after connectionLost or once the transport is disconnecting; nothing is
//   delivered after lengthLimitExceeded, which runs at most once, with a length over maxLength;
// - a delivered string is at most maxLength bytes;
// - the strings delivered, and whether and with which length the limit was exceeded, equal those
//   of a plain reference parser of the whole stream (big-endian prefix, the limit checked as
//   soon as a prefix is complete), whatever the chunking;
// - what sendString wrote is exactly what the transport holds.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/protocols/int_n_string_receiver.hpp>

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
  std::optional<std::size_t> exceeded;  // the length lengthLimitExceeded was given
  std::string written;

  bool operator==(const Outcome&) const = default;
};

// The limit a kNewMaxLength string sets: small, or the default.
std::size_t newMaxLength(std::string_view string) {
  const unsigned arg = string.size() > 1 ? static_cast<unsigned char>(string[1]) : 0U;
  return arg >= 192 ? std::size_t{99999} : arg % 64U;
}

// Whether a string that starts with `action` ends the connection.
bool closes(Action action) {
  return action == Action::kLose || action == Action::kAbort;
}

// The receiver under test: records what it delivers, checks each hook call against the
// invariants above, and acts on the messages as the input says.
template <class Prefix>
class Receiver final
    : public torsion::fuzz::RecordingReceiver<torsion::IntNStringReceiver<Prefix>> {
  using Base = torsion::IntNStringReceiver<Prefix>;
  using Recording = torsion::fuzz::RecordingReceiver<Base>;

 public:
  explicit Receiver(const Options& options) : Recording(options.maxLength), options_(&options) {}

  void stringReceived(std::string_view string) override {
    this->checkMayDeliver();
    check(!outcome_.exceeded, "a string was delivered after lengthLimitExceeded");
    check(string.size() <= this->maxLength(), "a string longer than maxLength was delivered");
    outcome_.strings.emplace_back(string);
    if (string.empty()) {
      return;
    }
    switch (static_cast<Action>(string.front())) {
      case Action::kLose:
        this->transport()->loseConnection();
        break;
      case Action::kNewMaxLength:
        if (options_->changesAllowed) {
          this->setMaxLength(newMaxLength(string));
        }
        break;
      case Action::kEcho:
        this->expectWritten(prefixed(string));
        this->sendString(string);
        break;
      case Action::kAbort:
        this->transport()->abortConnection();
        break;
    }
  }

  void lengthLimitExceeded(std::size_t length) override {
    this->checkMayDeliver();
    check(length > this->maxLength(), "lengthLimitExceeded got a length within maxLength");
    check(!outcome_.exceeded, "lengthLimitExceeded ran twice");
    outcome_.exceeded = length;
    Base::lengthLimitExceeded(length);
  }

  Outcome finish(const torsion::testing::StringTransport& transport) {
    outcome_.written =
        this->checkWritten(transport, "the transport holds other bytes than sendString's");
    return std::move(outcome_);
  }

 private:
  // `string` as sendString frames it: its length, big-endian in kPrefixLength bytes, then it.
  static std::string prefixed(std::string_view string) {
    std::string out;
    for (std::size_t i = Base::kPrefixLength; i-- > 0;) {
      out += static_cast<char>((string.size() >> (8 * i)) & 0xffU);
    }
    out.append(string);
    return out;
  }

  const Options* options_;
  Outcome outcome_;
};

// Parses the whole stream, acting on the strings as the hook does. Deliberately written apart
// from the receiver: it is the oracle.
template <class Prefix>
Outcome reference(std::string_view stream, const Options& options) {
  constexpr std::size_t kPrefix = sizeof(Prefix);
  Outcome expected;
  std::size_t maxLength = options.maxLength;
  while (stream.size() >= kPrefix) {
    std::size_t length = 0;
    for (std::size_t i = 0; i < kPrefix; ++i) {
      length = length * 256 + static_cast<unsigned char>(stream[i]);
    }
    if (length > maxLength) {
      expected.exceeded = length;
      break;
    }
    if (stream.size() - kPrefix < length) {
      break;
    }
    const std::string_view string = stream.substr(kPrefix, length);
    stream.remove_prefix(kPrefix + length);
    expected.strings.emplace_back(string);
    if (!string.empty()) {
      const auto action = static_cast<Action>(string.front());
      if (closes(action)) {
        break;
      }
      if (action == Action::kNewMaxLength && options.changesAllowed) {
        maxLength = newMaxLength(string);
      }
    }
  }
  return expected;
}

template <class Prefix>
void fuzz(const Options& options, const torsion::fuzz::ChunkedStream& input) {
  Outcome expected = reference<Prefix>(input.stream, options);
  const auto runs = torsion::fuzz::runChunkedAndWhole<Receiver<Prefix>>(options, input);
  expected.written = runs.chunked.written;  // checked against sendString's bytes by finish()
  check(runs.chunked == expected, "the strings differ from the reference parser's");
  if (runs.whole) {
    check(*runs.whole == runs.chunked, "chunking changed the outcome");
  }
}

Options readOptions(torsion::fuzz::FuzzInput& input) {
  Options options;
  options.maxLength = torsion::fuzz::readMaxLength(
      input, {.defaultMax = 99999, .modulus = 64, .offersUnbounded = true});  // Twisted's default
  options.transportKind = input.takeByte();
  options.changesAllowed = (input.takeByte() & 0x01U) != 0;
  return options;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes the name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torsion::fuzz::FuzzInput input(data, size);
  const std::uint8_t prefix = input.takeByte();
  const Options options = readOptions(input);
  const torsion::fuzz::ChunkedStream chunkedStream = torsion::fuzz::readChunkedStream(input);
  switch (prefix % 3) {
    case 0:
      fuzz<std::uint8_t>(options, chunkedStream);
      break;
    case 1:
      fuzz<std::uint16_t>(options, chunkedStream);
      break;
    default:
      fuzz<std::uint32_t>(options, chunkedStream);
      break;
  }
  return 0;
}
