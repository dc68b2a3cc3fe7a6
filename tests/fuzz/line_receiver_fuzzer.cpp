// Fuzz target: LineReceiver (protocols/include/torsion/protocols/line_receiver.hpp).
//
// Input: [delimiter][maxLength][transport kind][flags][n][n chunk sizes][stream]. A line's
// first byte may make the hook act (see Action), so the fuzzer reaches raw mode, pausing,
// closing, delimiter and limit changes and re-entrant feeding from inside the parser's loop.
//
// Invariants, beyond "no crash, no leak, no UB":
// - no hook runs after connectionLost, while paused, or once the transport is disconnecting;
// - a delivered line holds no delimiter and is at most maxLength bytes; lineLengthExceeded gets
//   more than maxLength bytes;
// - every byte fed comes out exactly once: as a line plus its delimiter, raw data, the argument
//   of lineLengthExceeded, what clearLineBuffer returns, or what is still held at the end;
// - what sendLine wrote is exactly what the transport holds;
// - the same stream fed in one chunk or in the chosen chunks gives the same lines, the same raw
//   bytes and the same writes, unless a hook does something chunk-dependent (clearLineBuffer,
//   feeding bytes back, giving back part of a too-long line).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/protocols/line_receiver.hpp>

#include "receiver_fuzz_driver.hpp"

namespace {

using torsion::fuzz::check;

// What a hook does when a line starts with this byte.
enum class Action : unsigned char {
  kRawMode = 0x01,
  kPause = 0x02,
  kLose = 0x03,
  kStop = 0x04,
  kNewDelimiter = 0x05,
  kNewMaxLength = 0x06,
  kEcho = 0x07,
  kClear = 0x08,
  kFeed = 0x09,
  kPauseResume = 0x0a,
  kAbort = 0x0b,
};

// In raw mode, this byte sends the rest of the raw chunk back to line mode.
constexpr char kBackToLines = 0x02;

struct Options {
  std::string delimiter;
  std::size_t maxLength = 0;
  std::uint8_t transportKind = 0;
  bool resumeBeforeChunk = false;   // the driver resumes a paused receiver before each chunk
  bool pauseBetweenChunks = false;  // the driver pauses the receiver before every third chunk
  bool clearAllowed = false;        // kClear lines call clearLineBuffer
  bool feedAllowed = false;         // kFeed lines feed their rest back through dataReceived
  bool giveBackExceeded = false;    // lineLengthExceeded gives half of the line back

  // Whether the protocol defines the outcome independently of where the chunks end.
  [[nodiscard]] bool chunkIndependent() const noexcept {
    return !clearAllowed && !feedAllowed && !giveBackExceeded;
  }
};

struct Event {
  enum class Kind : std::uint8_t { kLine, kRaw, kExceeded };
  Kind kind;
  std::string bytes;  // raw events are merged, so that chunking does not show

  bool operator==(const Event&) const = default;
};

struct Outcome {
  std::vector<Event> events;
  std::string written;
};

// The receiver under test: records what it delivers, checks each hook call against the
// invariants above, and acts on the messages as the input says.
class Receiver final : public torsion::fuzz::RecordingReceiver<torsion::LineReceiver> {
 public:
  explicit Receiver(const Options& options)
      : RecordingReceiver(options.maxLength, options.delimiter), options_(&options) {}

  void feed(std::string_view chunk) {
    in_ += chunk.size();
    dataReceived(chunk);
  }

  // The driver's resume and pause between chunks; a closed connection gets neither.
  void beforeChunk(const torsion::fuzz::FakeConnection& connection, std::size_t index) {
    if (options_->resumeBeforeChunk && connection.reading() && !lost()) {
      resumeProducing();
    }
    if (options_->pauseBetweenChunks && index % 3 == 2 && connection.reading() && !lost()) {
      pauseProducing();
    }
  }

  // Later resumes deliver what is still held. Each resume that ends paused again delivered at
  // least one line (a pausing hook), so this ends; the check catches a resume that does not.
  void afterChunks(const torsion::fuzz::FakeConnection& connection) {
    for (std::size_t resumes = 0; paused() && connection.reading() && !lost(); ++resumes) {
      check(resumes <= in_, "resumeProducing keeps the receiver paused");
      resumeProducing();
      connection.endTurn();
    }
  }

  void lineReceived(std::string_view line) override {
    checkMayDeliver();
    check(lineMode(), "lineReceived ran in raw mode");
    check(line.size() <= maxLength(), "a line longer than maxLength was delivered");
    check(line.find(delimiter()) == std::string_view::npos,
          "a delivered line contains the delimiter");
    out_ += line.size() + delimiter().size();
    outcome_.events.push_back({Event::Kind::kLine, std::string(line)});
    if (!line.empty()) {
      act(static_cast<Action>(line.front()), line);
    }
  }

  void rawDataReceived(std::string_view data) override {
    checkMayDeliver();
    check(!lineMode(), "rawDataReceived ran in line mode");
    const std::size_t marker = data.find(kBackToLines);
    const std::string_view used =
        marker == std::string_view::npos ? data : data.substr(0, marker + 1);
    out_ += data.size();  // all of it came out; what the hook gives back goes in again
    if (!outcome_.events.empty() && outcome_.events.back().kind == Event::Kind::kRaw) {
      outcome_.events.back().bytes.append(used);
    } else {
      outcome_.events.push_back({Event::Kind::kRaw, std::string(used)});
    }
    if (marker != std::string_view::npos) {
      const std::string_view rest = data.substr(marker + 1);
      in_ += rest.size();
      setLineMode(rest);
    }
  }

  void lineLengthExceeded(std::string_view line) override {
    checkMayDeliver();
    check(line.size() > maxLength(), "lineLengthExceeded got a line within maxLength");
    out_ += line.size();
    outcome_.events.push_back({Event::Kind::kExceeded, {}});
    if (options_->giveBackExceeded && line.size() >= 2) {
      // Halves each time, so a run of give-backs ends.
      const std::string_view back = line.substr(line.size() / 2);
      in_ += back.size();
      setLineMode(back);
      return;
    }
    LineReceiver::lineLengthExceeded(line);
  }

  // Checks the end-of-run invariants and returns what the run produced.
  Outcome finish(const torsion::testing::StringTransport& transport) {
    out_ += clearLineBuffer().size();
    check(out_ == in_, "the bytes delivered differ from the bytes fed");
    outcome_.written = checkWritten(transport, "the transport holds other bytes than sendLine's");
    return std::move(outcome_);
  }

 private:
  void checkMayDeliver() const {
    RecordingReceiver::checkMayDeliver();
    check(!paused(), "a hook ran while the receiver was paused");
  }

  void act(Action action, std::string_view line) {
    const auto arg = line.size() > 1 ? static_cast<unsigned char>(line[1]) : 0U;
    switch (action) {
      case Action::kRawMode:
        setRawMode();
        break;
      case Action::kPause:
        pauseProducing();
        break;
      case Action::kLose:
        transport()->loseConnection();
        break;
      case Action::kStop:
        stopProducing();
        break;
      case Action::kNewDelimiter:
        setDelimiter(
            std::string(torsion::fuzz::kDelimiters[arg % torsion::fuzz::kDelimiters.size()]));
        break;
      case Action::kNewMaxLength:
        setMaxLength(arg % 32);
        break;
      case Action::kEcho:
        expectWritten(line);
        expectWritten(delimiter());
        sendLine(line);
        break;
      case Action::kClear:
        if (options_->clearAllowed) {
          out_ += clearLineBuffer().size();
        }
        break;
      case Action::kFeed:
        if (options_->feedAllowed) {
          in_ += line.size() - 1;
          dataReceived(line.substr(1));
        }
        break;
      case Action::kPauseResume:
        pauseProducing();
        resumeProducing();
        break;
      case Action::kAbort:
        transport()->abortConnection();
        break;
    }
  }

  const Options* options_;
  Outcome outcome_;
  std::size_t in_ = 0;
  std::size_t out_ = 0;
};

Options readOptions(torsion::fuzz::FuzzInput& input) {
  Options options;
  options.delimiter = torsion::fuzz::readDelimiter(input);
  options.maxLength = torsion::fuzz::readMaxLength(
      input, {.defaultMax = torsion::LineReceiver::kDefaultMaxLength, .modulus = 32});
  options.transportKind = input.takeByte();
  const std::uint8_t flags = input.takeByte();
  options.resumeBeforeChunk = (flags & 0x01U) != 0;
  options.pauseBetweenChunks = (flags & 0x02U) != 0;
  options.clearAllowed = (flags & 0x04U) != 0;
  options.feedAllowed = (flags & 0x08U) != 0;
  options.giveBackExceeded = (flags & 0x10U) != 0;
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
    check(runs.chunked.events == runs.whole->events,
          "chunking changed the lines or raw data delivered");
    check(runs.chunked.written == runs.whole->written, "chunking changed what was written");
  }
  return 0;
}
