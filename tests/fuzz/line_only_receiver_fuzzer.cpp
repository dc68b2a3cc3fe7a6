// Fuzz target: LineOnlyReceiver (protocols/include/torsion/protocols/line_only_receiver.hpp).
//
// Input: [delimiter][maxLength][transport kind][flags][n][n chunk sizes][stream]. A line's
// first byte may make the hook act (see Action).
//
// Invariants, beyond "no crash, no leak, no UB":
// - no hook runs after connectionLost or once the transport is disconnecting;
// - a delivered line holds no delimiter and is at most maxLength bytes; lineLengthExceeded gets
//   more than maxLength bytes;
// - the bytes delivered (lines and their delimiters, too-long lines) never exceed the bytes fed,
//   and between chunks the receiver holds at most maxLength bytes (its unterminated tail);
// - what sendLine wrote is exactly what the transport holds;
// - chunking changes nothing, with one exception the protocol defines (Twisted's too): an
//   unterminated tail longer than maxLength is refused when a chunk ends, even if the delimiter
//   would have followed. So a chunked run that saw no too-long line delivers exactly the lines
//   of the one-chunk run, and one that did delivers a prefix of them. Hooks that change the
//   delimiter or the limit ("from the next chunk on") turn the comparison off.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/protocols/line_only_receiver.hpp>

#include "receiver_fuzz_driver.hpp"

namespace {

using torsion::fuzz::check;

// What a hook does when a line starts with this byte.
enum class Action : unsigned char {
  kLose = 0x03,
  kNewDelimiter = 0x05,
  kNewMaxLength = 0x06,
  kEcho = 0x07,
  kAbort = 0x0b,
};

struct Options {
  std::string delimiter;
  std::size_t maxLength = 0;
  std::uint8_t transportKind = 0;
  bool changesAllowed = false;  // kNewDelimiter and kNewMaxLength lines act

  [[nodiscard]] bool chunkIndependent() const noexcept { return !changesAllowed; }
};

struct Outcome {
  std::vector<std::string> lines;
  bool exceeded = false;
  std::string written;
};

// The receiver under test: records what it delivers, checks each hook call against the
// invariants above, and acts on the messages as the input says.
class Receiver final : public torsion::fuzz::RecordingReceiver<torsion::LineOnlyReceiver> {
 public:
  explicit Receiver(const Options& options)
      : RecordingReceiver(options.maxLength, options.delimiter), options_(&options) {}

  void feed(std::string_view chunk) {
    in_ += chunk.size();
    chunkDelimiter_ = delimiter();  // a change applies from the next chunk on
    const bool exceededBefore = outcome_.exceeded;
    dataReceived(chunk);
    check(out_ <= in_, "more bytes were delivered than fed");
    // Once closing, the rest of the chunk is dropped, so only a live connection's tail counts.
    const bool live = transport() != nullptr && !transport()->disconnecting();
    if (live && !exceededBefore && !outcome_.exceeded) {
      check(in_ - out_ <= maxLength(), "the receiver holds more than maxLength bytes");
    }
  }

  void lineReceived(std::string_view line) override {
    checkMayDeliver();
    check(line.size() <= maxLength(), "a line longer than maxLength was delivered");
    check(line.find(chunkDelimiter_) == std::string_view::npos,
          "a delivered line contains the delimiter");
    out_ += line.size() + chunkDelimiter_.size();
    outcome_.lines.emplace_back(line);
    if (!line.empty()) {
      act(static_cast<Action>(line.front()), line);
    }
  }

  void lineLengthExceeded(std::string_view line) override {
    checkMayDeliver();
    check(line.size() > maxLength(), "lineLengthExceeded got a line within maxLength");
    check(!outcome_.exceeded, "lineLengthExceeded ran twice");
    outcome_.exceeded = true;
    out_ += line.size();
    LineOnlyReceiver::lineLengthExceeded(line);
  }

  Outcome finish(const torsion::testing::StringTransport& transport) {
    outcome_.written = checkWritten(transport, "the transport holds other bytes than sendLine's");
    return std::move(outcome_);
  }

 private:
  void act(Action action, std::string_view line) {
    const auto arg = line.size() > 1 ? static_cast<unsigned char>(line[1]) : 0U;
    switch (action) {
      case Action::kLose:
        transport()->loseConnection();
        break;
      case Action::kNewDelimiter:
        if (options_->changesAllowed) {
          setDelimiter(
              std::string(torsion::fuzz::kDelimiters[arg % torsion::fuzz::kDelimiters.size()]));
        }
        break;
      case Action::kNewMaxLength:
        if (options_->changesAllowed) {
          setMaxLength(arg % 32);
        }
        break;
      case Action::kEcho:
        expectWritten(line);
        expectWritten(delimiter());
        sendLine(line);
        break;
      case Action::kAbort:
        transport()->abortConnection();
        break;
      default:
        break;
    }
  }

  const Options* options_;
  Outcome outcome_;
  std::string chunkDelimiter_;
  std::size_t in_ = 0;
  std::size_t out_ = 0;
};

Options readOptions(torsion::fuzz::FuzzInput& input) {
  Options options;
  options.delimiter = torsion::fuzz::readDelimiter(input);
  options.maxLength = torsion::fuzz::readMaxLength(
      input, {.defaultMax = torsion::LineOnlyReceiver::kDefaultMaxLength, .modulus = 32});
  options.transportKind = input.takeByte();
  options.changesAllowed = (input.takeByte() & 0x01U) != 0;
  return options;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes the name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torsion::fuzz::FuzzInput input(data, size);
  const Options options = readOptions(input);
  const auto runs =
      torsion::fuzz::runChunkedAndWhole<Receiver>(options, torsion::fuzz::readChunkedStream(input));
  if (runs.whole) {
    const Outcome& chunked = runs.chunked;
    const Outcome& whole = *runs.whole;
    if (chunked.exceeded) {
      check(chunked.lines.size() <= whole.lines.size() &&
                std::equal(chunked.lines.begin(), chunked.lines.end(), whole.lines.begin()),
            "chunking changed the lines before a too-long one");
    } else {
      check(!whole.exceeded && chunked.lines == whole.lines, "chunking changed the lines");
      check(chunked.written == whole.written, "chunking changed what was written");
    }
  }
  return 0;
}
