#include <algorithm>
#include <chrono>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/string_transport.hpp>

#include "line_recorders.hpp"
#include "protocols_test_support.hpp"

namespace {

using torsion::LineReceiver;
using torsion::Seconds;
using torsion::testing::ProducerState;
using torsion::testing::StringTransport;

// Acts on some lines, after Twisted's LineTester: "" switches to raw mode for the length set by
// an earlier "len N" line, "pause" and "rawpause" pause until the clock's next turn, "stop"
// stops producing. Raw data is appended to the last entry, and the rest goes back to line mode.
class LineTester : public LineReceiver {
 public:
  explicit LineTester(torsion::Clock* clock = nullptr) : LineReceiver(64, "\n"), clock_(clock) {}

  void lineReceived(std::string_view line) override {
    received.emplace_back(line);
    if (line.empty()) {
      setRawMode();
    } else if (line == "pause") {
      pauseProducing();
      resumeLater();
    } else if (line == "rawpause") {
      pauseProducing();
      setRawMode();
      received.emplace_back();
      resumeLater();
    } else if (line == "stop") {
      stopProducing();
    } else if (line.substr(0, 4) == "len ") {
      length_ = std::stoul(std::string(line.substr(4)));
    }
  }

  void rawDataReceived(std::string_view data) override {
    const std::size_t take = std::min(length_, data.size());
    received.back().append(data.substr(0, take));
    length_ -= take;
    if (length_ == 0) {
      setLineMode(data.substr(take));
    }
  }

  void lineLengthExceeded(std::string_view line) override {
    if (line.size() > maxLength() + 1) {
      setLineMode(line.substr(maxLength() + 1));
    }
  }

  std::vector<std::string> received;

 private:
  void resumeLater() {
    clock_->callLater(Seconds{0}, [this] { resumeProducing(); });
  }

  torsion::Clock* clock_;
  std::size_t length_ = 0;
};

using Recorder = torsion::test::LineReceiverRecorder;

void feed(LineReceiver& proto, const torsion::test::Chunks& chunks) {
  for (const std::string_view chunk : chunks) {
    proto.dataReceived(chunk);
  }
}

constexpr std::string_view kModesBuffer =
    "len 10\n\n0123456789len 5\n\n1234\nlen 20\nfoo 123\n\n0123456789\n012345678len 0\nfoo 5\n\n"
    "1234567890123456789012345678901234567890123456789012345678901234567890\nlen 1\n\na";

const std::vector<std::string> kModesOutput = {
    "len 10", "0123456789", "len 5", "1234\n", "len 20", "foo 123", "0123456789\n012345678",
    "len 0",  "foo 5",      "",      "67890",  "len 1",  "a"};

TEST_CASE("LineReceiver switches between line and raw mode mid-chunk, however the bytes are cut",
          "[protocols][line_receiver]") {
  // Twisted's test_buffer data, fed in every chunking: raw mode entered from lineReceived gets
  // the rest of the chunk, setLineMode(rest) from rawDataReceived parses the rest as lines, and
  // an over-long line is skipped by lineLengthExceeded.
  for (const auto& chunks : torsion::test::allChunkings(kModesBuffer)) {
    StringTransport tr;
    LineTester proto;
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.received == kModesOutput);
  }
}

TEST_CASE("LineReceiver defaults to CRLF and 16384, and validates its delimiter",
          "[protocols][line_receiver]") {
  Recorder proto;
  CHECK(proto.delimiter() == "\r\n");
  CHECK(proto.maxLength() == 16384);
  CHECK(proto.lineMode());
  CHECK_THROWS_AS(proto.setDelimiter(""), torsion::ValueError);
  CHECK_THROWS_AS(Recorder(10, ""), torsion::ValueError);
}

TEST_CASE("LineReceiver sendLine writes the line and the delimiter", "[protocols][line_receiver]") {
  StringTransport tr;
  Recorder proto;
  proto.makeConnection(&tr);
  proto.sendLine("hello");
  proto.setDelimiter("\n");
  proto.sendLine("");
  proto.sendLine("world");
  REQUIRE(tr.value() == "hello\r\n\nworld\n");
}

TEST_CASE("LineReceiver drops the connection when a complete line exceeds maxLength",
          "[protocols][line_receiver]") {
  StringTransport tr;
  Recorder proto(6);
  proto.makeConnection(&tr);

  SECTION("a line of exactly maxLength is fine") {
    proto.dataReceived("xxxxxx\r\n");
    REQUIRE(proto.lines == std::vector<std::string>{"xxxxxx"});
    REQUIRE_FALSE(tr.disconnecting());
  }
  SECTION("one byte more is too long, and the hook gets the line and all after it") {
    proto.dataReceived("ok\r\nxxxxxxx\r\nnext\r\nmore");
    REQUIRE(proto.lines == std::vector<std::string>{"ok"});
    REQUIRE(proto.tooLong == std::vector<std::string>{"xxxxxxx\r\nnext\r\nmore"});
    REQUIRE(tr.disconnecting());
    REQUIRE(proto.clearLineBuffer().empty());
  }
}

TEST_CASE(
    "LineReceiver drops the connection when an unterminated line reaches maxLength plus "
    "the delimiter",
    "[protocols][line_receiver]") {
  StringTransport tr;
  Recorder proto(6);
  proto.makeConnection(&tr);

  SECTION("maxLength + delimiter - 1 bytes could still be a line and its delimiter") {
    proto.dataReceived("xxxxxx\r");  // Twisted's test_notQuiteMaximumLineLengthUnfinished
    REQUIRE(proto.tooLong.empty());
    REQUIRE_FALSE(tr.disconnecting());
    proto.dataReceived("\n");
    REQUIRE(proto.lines == std::vector<std::string>{"xxxxxx"});
  }
  SECTION("maxLength + delimiter bytes cannot, and are all passed to the hook") {
    proto.dataReceived("x\r\nxxxx");
    proto.dataReceived("xxxx");
    REQUIRE(proto.tooLong == std::vector<std::string>{"xxxxxxxx"});
    REQUIRE(tr.disconnecting());
  }
  SECTION("a delimiter split over chunks does not count as an overflow") {
    // Twisted's test_maximumLineLengthPartialDelimiter.
    proto.dataReceived("xxxxx");
    proto.dataReceived("\r");
    proto.dataReceived("\nxxxxx");
    REQUIRE(proto.lines == std::vector<std::string>{"xxxxx"});
    REQUIRE_FALSE(tr.disconnecting());
  }
}

TEST_CASE("LineReceiver passes the raw rest of the chunk when lineReceived calls setRawMode",
          "[protocols][line_receiver]") {
  struct Switcher : LineReceiver {
    void lineReceived(std::string_view line) override {
      lines.emplace_back(line);
      if (line == "RAW") {
        setRawMode();
      }
    }

    void rawDataReceived(std::string_view data) override {
      raw.append(data);
      const std::size_t end = raw.find('|');
      if (end != std::string::npos) {
        // Give back what follows the raw part, as a protocol reading a body of known size does.
        std::string rest = raw.substr(end + 1);
        raw.resize(end);
        setLineMode(rest);
      }
    }

    std::vector<std::string> lines;
    std::string raw;
  };

  constexpr std::string_view kStream = "a\r\nRAW\r\nraw\r\nbytes|b\r\nc\r\n";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    StringTransport tr;
    Switcher proto;
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.lines == std::vector<std::string>{"a", "RAW", "b", "c"});
    REQUIRE(proto.raw == "raw\r\nbytes");
    REQUIRE(proto.lineMode());
  }
}

TEST_CASE("LineReceiver setLineMode(extra) called from outside parses extra as lines",
          "[protocols][line_receiver]") {
  StringTransport tr;
  Recorder proto;
  proto.makeConnection(&tr);
  proto.setRawMode();
  proto.dataReceived("raw\r\n");
  proto.setLineMode("one\r\ntw");
  proto.dataReceived("o\r\n");
  REQUIRE(proto.raw == "raw\r\n");
  REQUIRE(proto.lines == std::vector<std::string>{"one", "two"});
}

TEST_CASE("LineReceiver flips modes a thousand times in one chunk without recursing",
          "[protocols][line_receiver]") {
  // Twisted's test_stackRecursion: each line switches to raw mode, each raw chunk drops a byte
  // and switches back.
  struct Flipper : LineReceiver {
    Flipper() : LineReceiver(kDefaultMaxLength, "\n") {}

    void lineReceived(std::string_view line) override {
      lines.append(line);
      setRawMode();
    }

    void rawDataReceived(std::string_view data) override { setLineMode(data.substr(1)); }

    std::string lines;
  };

  constexpr std::size_t kFlips = 1000;
  std::string stream;
  for (std::size_t i = 0; i < kFlips; ++i) {
    stream.append("x\nx");
  }
  StringTransport tr;
  Flipper proto;
  proto.makeConnection(&tr);
  proto.dataReceived(stream);
  REQUIRE(proto.lines == std::string(kFlips, 'x'));
}

TEST_CASE("LineReceiver clearLineBuffer returns the unparsed rest, also from inside a hook",
          "[protocols][line_receiver]") {
  // Twisted's test_clearLineBuffer.
  struct Clearing : LineReceiver {
    void lineReceived(std::string_view received) override {
      line = received;
      rest = clearLineBuffer();
    }

    std::string line;
    std::string rest;
  };

  StringTransport tr;
  Clearing proto;
  proto.makeConnection(&tr);
  proto.dataReceived("foo\r\nbar\r\nbaz");
  REQUIRE(proto.line == "foo");
  REQUIRE(proto.rest == "bar\r\nbaz");
  proto.dataReceived("quux\r\n");
  REQUIRE(proto.line == "quux");
  REQUIRE(proto.rest.empty());

  SECTION("from outside, it returns the unterminated tail") {
    proto.dataReceived("partial");
    REQUIRE(proto.clearLineBuffer() == "partial");
    REQUIRE(proto.clearLineBuffer().empty());
  }
}

TEST_CASE("LineReceiver delivers no lines while paused; they arrive on resume, in order",
          "[protocols][line_receiver]") {
  constexpr std::string_view kStream = "twiddle1\ntwiddle2\npause\ntwiddle3\n";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    torsion::Clock clock;
    StringTransport tr;
    LineTester proto(&clock);
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.received == std::vector<std::string>{"twiddle1", "twiddle2", "pause"});
    REQUIRE(proto.paused());
    REQUIRE(tr.producerState() == ProducerState::kPaused);

    clock.advance(Seconds{0});
    REQUIRE(proto.received ==
            std::vector<std::string>{"twiddle1", "twiddle2", "pause", "twiddle3"});
    REQUIRE_FALSE(proto.paused());
    REQUIRE(tr.producerState() == ProducerState::kProducing);
  }
}

TEST_CASE("LineReceiver paused in the middle of a switch to raw mode resumes in raw mode",
          "[protocols][line_receiver]") {
  // Twisted's test_rawPausing.
  constexpr std::string_view kStream = "twiddle1\ntwiddle2\nlen 5\nrawpause\n12345twiddle3\n";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    torsion::Clock clock;
    StringTransport tr;
    LineTester proto(&clock);
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.received ==
            std::vector<std::string>{"twiddle1", "twiddle2", "len 5", "rawpause", ""});
    clock.advance(Seconds{0});
    REQUIRE(proto.received == std::vector<std::string>{"twiddle1", "twiddle2", "len 5", "rawpause",
                                                       "12345", "twiddle3"});
  }
}

TEST_CASE("LineReceiver stopProducing drops the rest and loses the connection",
          "[protocols][line_receiver]") {
  // Twisted's test_stopProducing.
  constexpr std::string_view kStream = "twiddle1\ntwiddle2\nstop\nmore\nstuff\n";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    StringTransport tr;
    LineTester proto;
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.received == std::vector<std::string>{"twiddle1", "twiddle2", "stop"});
    REQUIRE(tr.disconnecting());
    REQUIRE(tr.producerState() == ProducerState::kStopped);
    proto.resumeProducing();  // Stopped is final.
    REQUIRE(proto.received.size() == 3);
  }
}

TEST_CASE("LineReceiver as a push producer is paused by a full consumer and resumed by a drain",
          "[protocols][line_receiver]") {
  // An echo that registers itself as its own transport's producer, as a proxy would register
  // it with the other side: a slow reader must stop the lines, not let the echoes pile up.
  struct Echo : LineReceiver {
    void connectionMade() override { transport()->registerProducer(*this, true); }

    void lineReceived(std::string_view line) override {
      ++count;
      sendLine(line);
    }

    int count = 0;
  };

  torsion::testing::StringTransportOptions options;
  options.writeBufferLimit = 10;
  options.lowWatermark = 0;
  StringTransport tr(options);
  Echo proto;
  proto.makeConnection(&tr);

  proto.dataReceived("aaaa\r\nbbbb\r\ncccc\r\ndddd\r\n");
  // Two echoes (12 bytes) pass the 10-byte mark: the transport pauses the receiver.
  REQUIRE(proto.count == 2);
  REQUIRE(proto.paused());
  REQUIRE(tr.value() == "aaaa\r\nbbbb\r\n");

  REQUIRE(tr.drainAll() == "aaaa\r\nbbbb\r\n");
  REQUIRE(proto.count == 4);
  REQUIRE(tr.value() == "cccc\r\ndddd\r\n");
  REQUIRE(proto.paused());
  tr.drainAll();
  REQUIRE_FALSE(proto.paused());
  tr.unregisterProducer();
}

TEST_CASE("LineReceiver queues bytes fed to dataReceived from inside a hook behind the rest",
          "[protocols][line_receiver]") {
  struct Injector : LineReceiver {
    void lineReceived(std::string_view line) override {
      lines.emplace_back(line);
      if (line == "inject") {
        dataReceived("injected\r\n");
      }
    }

    std::vector<std::string> lines;
  };

  SECTION("the rest of the chunk is held, so the injected bytes follow it") {
    StringTransport tr;
    Injector proto;
    proto.makeConnection(&tr);
    proto.dataReceived("x\r\ninject\r\ny\r\npart");
    REQUIRE(proto.lines == std::vector<std::string>{"x", "inject", "y", "partinjected"});
    REQUIRE(proto.clearLineBuffer().empty());
  }
  SECTION("bytes of later chunks follow the injected ones") {
    StringTransport tr;
    Injector proto;
    proto.makeConnection(&tr);
    proto.dataReceived("x\r\ninject\r\n");
    proto.dataReceived("y\r\npart");
    REQUIRE(proto.lines == std::vector<std::string>{"x", "inject", "injected", "y"});
    REQUIRE(proto.clearLineBuffer() == "part");
  }
}

TEST_CASE(
    "LineReceiver delivers nothing more once a hook loses the connection, even without "
    "connectionLost",
    "[protocols][line_receiver]") {
  // What LineOnlyReceiver shares (every chunking) is in line_receivers_contract_test.cpp; here
  // is what only LineReceiver has: the held rest of the chunk, and raw mode.
  struct Quitter : LineReceiver {
    void lineReceived(std::string_view line) override {
      lines.emplace_back(line);
      if (line == "quit") {
        transport()->loseConnection();  // StringTransport only records it
      } else if (line == "raw") {
        setRawMode();
        transport()->loseConnection();
      }
    }

    void rawDataReceived(std::string_view data) override { raw.append(data); }

    std::vector<std::string> lines;
    std::string raw;
  };

  SECTION("the rest of the chunk stays in the buffer, later bytes are dropped") {
    StringTransport tr;
    Quitter proto;
    proto.makeConnection(&tr);
    proto.dataReceived("quit\r\nb\r\nc\r\n");
    REQUIRE(proto.lines == std::vector<std::string>{"quit"});
    proto.dataReceived("d\r\n");
    REQUIRE(proto.lines == std::vector<std::string>{"quit"});
    REQUIRE(proto.clearLineBuffer() == "b\r\nc\r\n");
  }
  SECTION("raw data too") {
    StringTransport tr;
    Quitter proto;
    proto.makeConnection(&tr);
    proto.dataReceived("raw\r\nsome raw bytes");
    proto.dataReceived("more");
    REQUIRE(proto.lines == std::vector<std::string>{"raw"});
    REQUIRE(proto.raw.empty());
  }
}

TEST_CASE(
    "LineReceiver closes on an unterminated line past maxLength, holding at most maxLength "
    "plus one chunk",
    "[protocols][line_receiver]") {
  SECTION("in small chunks") {
    StringTransport tr;
    Recorder proto(100);
    proto.makeConnection(&tr);
    const std::string chunk(37, 'x');
    for (int i = 0; i < 30; ++i) {
      proto.dataReceived(chunk);
    }
    // The hook got everything held when the chunk that crossed the limit arrived: less than
    // maxLength + delimiter, plus that chunk. Nothing was held after it.
    REQUIRE(proto.tooLong.size() == 1);
    REQUIRE(proto.tooLong[0].size() >= 100 + 2);
    REQUIRE(proto.tooLong[0].size() < 100 + 2 + chunk.size());
    REQUIRE(tr.disconnecting());
    REQUIRE(proto.lines.empty());
    REQUIRE(proto.clearLineBuffer().empty());
  }
  SECTION("in one big chunk") {
    StringTransport tr;
    Recorder proto(100);
    proto.makeConnection(&tr);
    const std::string big(std::size_t{1} << 20U, 'y');
    proto.dataReceived(big);
    REQUIRE(proto.tooLong.size() == 1);
    REQUIRE(proto.tooLong[0].size() == big.size());
    REQUIRE(tr.disconnecting());
    proto.dataReceived(big);  // dropped: the connection is going away
    REQUIRE(proto.clearLineBuffer().empty());
    REQUIRE(proto.tooLong.size() == 1);
  }
}

TEST_CASE("LineReceiver takes a long line arriving a byte at a time",
          "[protocols][line_receiver]") {
  StringTransport tr;
  Recorder proto(200000);
  proto.makeConnection(&tr);
  const std::string line(200000, 'l');
  for (const char byte : line + "\r\nnext\r\n") {
    proto.dataReceived(std::string_view(&byte, 1));
  }
  REQUIRE(proto.lines == std::vector<std::string>{line, "next"});
}

TEST_CASE("LineReceiver survives random garbage with bounded memory",
          "[protocols][line_receiver]") {
  std::mt19937 rng(20240607);  // fixed seed: the same garbage on every run
  const std::size_t before = torsion::test::heapInUse();
  std::size_t peak = 0;
  bool bufferBounded = true;
  for (int connection = 0; connection < 50; ++connection) {
    struct Lenient : Recorder {
      using Recorder::Recorder;

      void lineReceived(std::string_view line) override {
        if (!line.empty() && line.front() == 'R') {
          setRawMode();
        }
      }

      void rawDataReceived(std::string_view data) override {
        if (data.size() > 3) {
          setLineMode(data.substr(3));
        }
      }

      void lineLengthExceeded(std::string_view line) override { (void)line; }  // keep going
    };

    StringTransport tr;
    Lenient proto(256, "\r\n");
    proto.makeConnection(&tr);
    for (int chunk = 0; chunk < 200; ++chunk) {
      std::uniform_int_distribution<std::size_t> size(0, 2000);
      const std::string bytes = torsion::test::randomBytes(
          rng, size(rng), chunk % 2 == 0 ? std::string_view{} : "ab\r\nR");
      proto.dataReceived(bytes);
      // What it holds between calls is a partial line: it re-parses to the same state.
      const std::string held = proto.clearLineBuffer();
      bufferBounded = bufferBounded && held.size() < 256 + 2;
      proto.dataReceived(held);
      peak = std::max(peak, torsion::test::heapInUse());
    }
  }
  REQUIRE(bufferBounded);
  REQUIRE(peak < before + std::size_t{512} * 1024);
}

}  // namespace
