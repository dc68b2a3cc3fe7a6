// The contract LineReceiver and LineOnlyReceiver share, stated once and run for both: what
// each delivers in line mode, however the stream is cut, and that nothing is delivered once the
// connection is going away. What only one of them does stays in its own test file.

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/failure.hpp>
#include <torsion/protocols/line_only_receiver.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

#include "line_recorders.hpp"
#include "protocols_test_support.hpp"

namespace {

using torsion::LineOnlyReceiver;
using torsion::LineReceiver;
using torsion::test::LineRecorder;
using torsion::testing::StringTransport;
using torsion::testing::StringTransportWithDisconnection;

// Only LineReceiver hands back the unterminated tail it holds (clearLineBuffer); where a case
// can check that tail, it does so for the receivers that have it.
template <class Receiver>
constexpr bool kHandsBackTail = requires(Receiver& proto) {
  proto.clearLineBuffer();
};

static_assert(kHandsBackTail<LineRecorder<LineReceiver>>);  // else its checks silently vanish
static_assert(!kHandsBackTail<LineRecorder<LineOnlyReceiver>>);

template <class Receiver>
void feed(Receiver& proto, const torsion::test::Chunks& chunks) {
  for (const std::string_view chunk : chunks) {
    proto.dataReceived(chunk);
  }
}

// A recorder whose hook loses the connection on the line "quit", and counts connectionLost
// without calling the base one: the receiver must stop on its own.
template <class Recorder>
struct Quitter : Recorder {
  void lineReceived(std::string_view line) override {
    Recorder::lineReceived(line);
    if (line == "quit") {
      this->transport()->loseConnection();
    }
  }

  void connectionLost(const torsion::Failure& reason) override {
    (void)reason;
    ++lost;
  }

  int lost = 0;
};

// One stream to split: its lines, each followed by the delimiter, then an unterminated tail.
struct SplitCase {
  std::vector<std::string_view> lines;
  std::string_view tail;
};

TEMPLATE_TEST_CASE(
    "Line receivers split on any delimiter exactly as bytes.split does, in every "
    "chunking",
    "[protocols][line_receivers_contract]", LineRecorder<LineReceiver>,
    LineRecorder<LineOnlyReceiver>) {
  const std::string delimiter = GENERATE(std::string("\r\n"), std::string("\n"), std::string("END"),
                                         std::string("abab"), std::string(1, '\0'));
  // Lines full of delimiter prefixes and self-overlaps, empty lines, with and without a tail.
  const SplitCase split = GENERATE(SplitCase{{"hello", "", "a", "ab", "aba", "\r", "EN", "E", "x\r",
                                              std::string_view("\0\0", 2)},
                                             "tail"},
                                   SplitCase{{"foo", "", "a", "ab", "aba", "\r", "EN", "E",
                                              "bleakness", std::string_view("\0\0", 2)},
                                             ""});
  std::string stream;
  for (const std::string_view line : split.lines) {
    stream.append(line).append(delimiter);
  }
  stream.append(split.tail);
  const std::vector<std::string> pieces = torsion::test::referenceSplit(stream, delimiter);
  const std::vector<std::string> expected(pieces.begin(), pieces.end() - 1);

  for (const auto& chunks : torsion::test::allChunkings(stream)) {
    StringTransport tr;
    TestType proto(1000, delimiter);
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.lines == expected);
    if constexpr (kHandsBackTail<TestType>) {
      REQUIRE(proto.clearLineBuffer() == pieces.back());
    }
    REQUIRE_FALSE(tr.disconnecting());
  }
}

TEMPLATE_TEST_CASE("Line receivers stop delivering once connectionLost has run",
                   "[protocols][line_receivers_contract]", LineRecorder<LineReceiver>,
                   LineRecorder<LineOnlyReceiver>) {
  StringTransportWithDisconnection tr;  // runs connectionLost at once on loseConnection
  Quitter<TestType> proto;
  tr.connect(proto);
  proto.dataReceived("a\r\nquit\r\nb\r\nc\r\n");
  REQUIRE(proto.lines == std::vector<std::string>{"a", "quit"});
  REQUIRE(proto.lost == 1);
  REQUIRE_FALSE(proto.connected());
  proto.sendLine("ignored");  // no transport: nothing happens
}

TEMPLATE_TEST_CASE(
    "Line receivers deliver nothing more once a hook loses the connection, even without "
    "connectionLost, in every chunking",
    "[protocols][line_receivers_contract]", LineRecorder<LineReceiver>,
    LineRecorder<LineOnlyReceiver>) {
  // StringTransport only records loseConnection, as Twisted's does: later chunks are dropped too.
  constexpr std::string_view kStream = "quit\r\nb\r\nc\r\n";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    StringTransport tr;
    Quitter<TestType> proto;
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.lines == std::vector<std::string>{"quit"});
    REQUIRE(tr.disconnecting());
  }
}

TEMPLATE_TEST_CASE("Line receivers deliver nothing after an over-long line, in its chunk or later",
                   "[protocols][line_receivers_contract]", LineRecorder<LineReceiver>,
                   LineRecorder<LineOnlyReceiver>) {
  // The default lineLengthExceeded loses the connection; StringTransport does not run
  // connectionLost, so this is the receiver's own doing.
  const std::string stream = GENERATE(std::string("ok\r\nxxxxxxx\r\nnext\r\nmore\r\n"),
                                      std::string("ok\r\nxxxxxxxxxxxxxxxxxxxx\r\nnext\r\n"));
  CAPTURE(stream);
  for (const auto& chunks : torsion::test::allChunkings(stream)) {
    StringTransport tr;
    TestType proto(6);
    proto.makeConnection(&tr);
    feed(proto, chunks);
    REQUIRE(proto.lines == std::vector<std::string>{"ok"});
    REQUIRE(proto.tooLong.size() == 1);
    REQUIRE(proto.tooLong[0].substr(0, 7) == "xxxxxxx");
    REQUIRE(tr.disconnecting());
  }
}

TEMPLATE_TEST_CASE("Line receivers fed a stream cut anywhere deliver exactly the complete lines",
                   "[protocols][line_receivers_contract]", LineRecorder<LineReceiver>,
                   LineRecorder<LineOnlyReceiver>) {
  constexpr std::string_view kStream = "one\r\n\r\nthree\rstill three\r\nfour\r\n";
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    CAPTURE(cut);
    StringTransport tr;
    TestType proto;
    proto.makeConnection(&tr);
    proto.dataReceived(kStream.substr(0, cut));
    std::vector<std::string> expected =
        torsion::test::referenceSplit(kStream.substr(0, cut), "\r\n");
    if constexpr (kHandsBackTail<TestType>) {
      REQUIRE(proto.clearLineBuffer() == expected.back());
    }
    expected.pop_back();
    REQUIRE(proto.lines == expected);
    REQUIRE_FALSE(tr.disconnecting());
  }
}

}  // namespace
