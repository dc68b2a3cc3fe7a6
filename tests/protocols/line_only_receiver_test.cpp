#include <algorithm>
#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/line_only_receiver.hpp>
#include <torsion/testing/string_transport.hpp>

#include "line_recorders.hpp"
#include "protocols_test_support.hpp"

namespace {

using torsion::LineOnlyReceiver;
using torsion::testing::StringTransport;

using Recorder = torsion::test::LineRecorder<LineOnlyReceiver>;

TEST_CASE("LineOnlyReceiver defaults to CRLF and 16384, and sends lines with the delimiter",
          "[protocols][line_only_receiver]") {
  StringTransport tr;
  Recorder proto;
  proto.makeConnection(&tr);
  CHECK(proto.delimiter() == "\r\n");
  CHECK(proto.maxLength() == 16384);
  CHECK_THROWS_AS(proto.setDelimiter(""), torsion::ValueError);
  proto.sendLine("hello");
  proto.setDelimiter("\n");
  proto.sendLine("world");
  REQUIRE(tr.value() == "hello\r\nworld\n");
}

TEST_CASE(
    "LineOnlyReceiver: a delimiter changed by a hook applies to the held tail in the next "
    "chunk",
    "[protocols][line_only_receiver]") {
  // The rest of the chunk is split by the old delimiter, as Twisted's bytes.split does; the
  // held tail is then searched from its start for the new one (found by the fuzzer: the scan
  // position computed for the old delimiter skipped a new delimiter inside the tail).
  class Switcher : public Recorder {
   public:
    void lineReceived(std::string_view line) override {
      Recorder::lineReceived(line);
      setDelimiter("\n");
    }
  };

  StringTransport tr;
  Switcher proto;
  proto.makeConnection(&tr);
  proto.dataReceived("first\r\nab\r\r\x08\nc");
  REQUIRE(proto.lines == std::vector<std::string>{"first"});
  proto.dataReceived("\n");
  REQUIRE(proto.lines == std::vector<std::string>{"first", "ab\r\r\x08", "c"});
}

TEST_CASE("LineOnlyReceiver drops the connection when a line exceeds maxLength",
          "[protocols][line_only_receiver]") {
  StringTransport tr;
  Recorder proto(6);
  proto.makeConnection(&tr);

  SECTION("a complete line of maxLength is fine, one byte more is not") {
    proto.dataReceived("xxxxxx\r\nyyyyyyy\r\nzz\r\n");
    REQUIRE(proto.lines == std::vector<std::string>{"xxxxxx"});
    REQUIRE(proto.tooLong == std::vector<std::string>{"yyyyyyy"});
    REQUIRE(tr.disconnecting());
  }
  SECTION("an unterminated tail of maxLength is fine, one byte more is not") {
    proto.dataReceived("ok\r\nxxxxxx");
    REQUIRE(proto.tooLong.empty());
    proto.dataReceived("x");
    REQUIRE(proto.tooLong == std::vector<std::string>{"xxxxxxx"});
    REQUIRE(tr.disconnecting());
  }
  SECTION("Twisted's test_greaterThanMaximumLineLength") {
    Recorder big;
    StringTransport bigTr;
    big.makeConnection(&bigTr);
    big.dataReceived(std::string(16384 + 2 + 1, 'x') + "\r\nr");
    REQUIRE(bigTr.disconnecting());
  }
}

TEST_CASE(
    "LineOnlyReceiver closes on an unterminated line past maxLength, holding at most "
    "maxLength plus one chunk",
    "[protocols][line_only_receiver]") {
  SECTION("in small chunks") {
    StringTransport tr;
    Recorder proto(100);
    proto.makeConnection(&tr);
    const std::string chunk(37, 'x');
    const std::size_t before = torsion::test::heapInUse();
    for (int i = 0; i < 1000; ++i) {
      proto.dataReceived(chunk);
    }
    // The hook got the tail held when the chunk that crossed the limit arrived: at most
    // maxLength, plus that chunk. Nothing was held after it.
    REQUIRE(proto.tooLong.size() == 1);
    REQUIRE(proto.tooLong[0].size() > 100);
    REQUIRE(proto.tooLong[0].size() <= 100 + chunk.size());
    REQUIRE(tr.disconnecting());
    REQUIRE(proto.lines.empty());
    REQUIRE(torsion::test::heapInUse() < before + std::size_t{16} * 1024);
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
    const std::size_t before = torsion::test::heapInUse();
    proto.dataReceived(big);  // dropped: the connection is going away
    proto.dataReceived("\r\n");
    REQUIRE(proto.lines.empty());
    REQUIRE(proto.tooLong.size() == 1);
    REQUIRE(torsion::test::heapInUse() < before + std::size_t{16} * 1024);
  }
}

TEST_CASE("LineOnlyReceiver takes a long line arriving a byte at a time",
          "[protocols][line_only_receiver]") {
  StringTransport tr;
  Recorder proto(200000);
  proto.makeConnection(&tr);
  // Shorter than maxLength: with a delimiter cut after its "\r", Twisted's rule counts the
  // "\r" in the tail.
  const std::string line(150000, 'l');
  for (const char byte : line + "\r\nnext\r\n") {
    proto.dataReceived(std::string_view(&byte, 1));
  }
  REQUIRE(proto.lines == std::vector<std::string>{line, "next"});
}

TEST_CASE("LineOnlyReceiver survives random garbage with bounded memory",
          "[protocols][line_only_receiver]") {
  struct Lenient : LineOnlyReceiver {
    using LineOnlyReceiver::LineOnlyReceiver;

    void lineReceived(std::string_view line) override { bytes += line.size(); }

    void lineLengthExceeded(std::string_view line) override { (void)line; }  // keep going

    std::size_t bytes = 0;
  };

  std::mt19937 rng(424242);
  const std::size_t before = torsion::test::heapInUse();
  std::size_t peak = 0;
  for (int connection = 0; connection < 50; ++connection) {
    StringTransport tr;
    Lenient proto(256, "\r\n");
    proto.makeConnection(&tr);
    for (int chunk = 0; chunk < 200; ++chunk) {
      std::uniform_int_distribution<std::size_t> size(0, 2000);
      proto.dataReceived(torsion::test::randomBytes(
          rng, size(rng), chunk % 2 == 0 ? std::string_view{} : "ab\r\n"));
      peak = std::max(peak, torsion::test::heapInUse());
    }
  }
  REQUIRE(peak < before + std::size_t{512} * 1024);
}

}  // namespace
