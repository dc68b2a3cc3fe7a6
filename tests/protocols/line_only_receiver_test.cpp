#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/line_only_receiver.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

#include "protocols_test_support.hpp"

namespace {

using torsion::LineOnlyReceiver;
using torsion::testing::StringTransport;

class Recorder : public LineOnlyReceiver {
 public:
  using LineOnlyReceiver::LineOnlyReceiver;

  void lineReceived(std::string_view line) override { lines.emplace_back(line); }

  void lineLengthExceeded(std::string_view line) override {
    tooLong.emplace_back(line);
    LineOnlyReceiver::lineLengthExceeded(line);
  }

  std::vector<std::string> lines;
  std::vector<std::string> tooLong;
};

void feed(LineOnlyReceiver& proto, const torsion::test::Chunks& chunks) {
  for (const std::string_view chunk : chunks) {
    proto.dataReceived(chunk);
  }
}

TEST_CASE(
    "LineOnlyReceiver splits on any delimiter exactly as bytes.split does, in every "
    "chunking",
    "[protocols][line_only_receiver]") {
  const std::string delimiter = GENERATE(std::string("\r\n"), std::string("\n"), std::string("END"),
                                         std::string("abab"), std::string(1, '\0'));
  std::string stream;
  for (const std::string_view line :
       std::initializer_list<std::string_view>{"foo", "", "a", "ab", "aba", "\r", "EN", "E",
                                               "bleakness", std::string_view("\0\0", 2)}) {
    stream.append(line).append(delimiter);
  }
  const std::vector<std::string> pieces = torsion::test::referenceSplit(stream, delimiter);
  const std::vector<std::string> expected(pieces.begin(), pieces.end() - 1);

  for (const auto& chunks : torsion::test::allChunkings(stream)) {
    StringTransport tr;
    Recorder proto(1000, delimiter);
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.lines == expected);
    REQUIRE_FALSE(tr.disconnecting());
  }
}

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

TEST_CASE("LineOnlyReceiver stops delivering once connectionLost has run",
          "[protocols][line_only_receiver]") {
  struct Quitter : LineOnlyReceiver {
    void lineReceived(std::string_view line) override {
      lines.emplace_back(line);
      if (line == "quit") {
        transport()->loseConnection();
      }
    }

    std::vector<std::string> lines;
  };

  torsion::testing::StringTransportWithDisconnection tr;
  Quitter proto;
  tr.connect(proto);
  proto.dataReceived("a\r\nquit\r\nb\r\n");
  REQUIRE(proto.lines == std::vector<std::string>{"a", "quit"});
  REQUIRE_FALSE(proto.connected());
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
