#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/errors.hpp>
#include <torsion/protocols/int_n_string_receiver.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

#include "protocols_test_support.hpp"

namespace {

using torsion::IntNStringReceiver;
using torsion::Seconds;
using torsion::testing::ProducerState;
using torsion::testing::StringTransport;

template <class Prefix>
class Recorder : public IntNStringReceiver<Prefix> {
 public:
  using IntNStringReceiver<Prefix>::IntNStringReceiver;

  void stringReceived(std::string_view string) override { strings.emplace_back(string); }

  void lengthLimitExceeded(std::size_t length) override {
    exceeded.push_back(length);
    IntNStringReceiver<Prefix>::lengthLimitExceeded(length);
  }

  std::vector<std::string> strings;
  std::vector<std::size_t> exceeded;
};

// `length` as a big-endian prefix of `bytes` bytes.
std::string prefix(std::size_t length, std::size_t bytes) {
  std::string out(bytes, '\0');
  for (std::size_t i = bytes; i-- > 0;) {
    out[i] = static_cast<char>(length & 0xffU);
    length >>= 8U;
  }
  return out;
}

template <class Prefix>
std::string message(std::string_view data) {
  return prefix(data.size(), sizeof(Prefix)) + std::string(data);
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver receives many strings per chunk and strings split "
    "anywhere, prefixes included",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  const std::vector<std::string> strings = {"a", std::string(16, 'b'), "", std::string(200, 'c'),
                                            std::string("\0\1", 2)};
  StringTransport sender;
  IntNStringReceiver<TestType> writer;
  writer.makeConnection(&sender);
  for (const std::string& s : strings) {
    writer.sendString(s);
  }
  const std::string stream = sender.value();

  for (const auto& chunks : torsion::test::allChunkings(stream)) {
    StringTransport tr;
    Recorder<TestType> proto;
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.strings == strings);
    REQUIRE_FALSE(tr.disconnecting());
  }
}

TEMPLATE_TEST_CASE("IntNStringReceiver delivers nothing for a partial string",
                   "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t,
                   std::uint32_t) {
  StringTransport tr;
  Recorder<TestType> proto;
  proto.makeConnection(&tr);
  const std::string partial = message<TestType>("hello there");
  for (const char byte : std::string_view(partial).substr(0, partial.size() - 1)) {
    proto.dataReceived(std::string_view(&byte, 1));
  }
  REQUIRE(proto.strings.empty());
  proto.dataReceived(std::string_view(partial).substr(partial.size() - 1));
  REQUIRE(proto.strings == std::vector<std::string>{"hello there"});
}

TEST_CASE("IntNStringReceiver sends big-endian prefixes", "[protocols][int_n_string_receiver]") {
  StringTransport tr;
  SECTION("int8") {
    torsion::Int8StringReceiver proto;
    proto.makeConnection(&tr);
    proto.sendString("foo");
    REQUIRE(tr.value() == std::string("\x03"
                                      "foo"));
  }
  SECTION("int16") {
    torsion::Int16StringReceiver proto;
    proto.makeConnection(&tr);
    proto.sendString(std::string(0x0102, 'x'));
    REQUIRE(tr.value().substr(0, 3) == "\x01\x02x");
  }
  SECTION("int32") {
    torsion::Int32StringReceiver proto;
    proto.makeConnection(&tr);
    proto.sendString("foo");
    REQUIRE(tr.value() == std::string("\0\0\0\x03"
                                      "foo",
                                      7));
  }
}

TEST_CASE("IntNStringReceiver refuses to send a string too long for its prefix",
          "[protocols][int_n_string_receiver]") {
  StringTransport tr;
  torsion::Int8StringReceiver int8;
  int8.makeConnection(&tr);
  int8.sendString(std::string(255, 'x'));
  REQUIRE(tr.value().size() == 256);
  REQUIRE_THROWS_AS(int8.sendString(std::string(256, 'x')), torsion::StringTooLongError);
  REQUIRE_THROWS_WITH(
      int8.sendString(std::string(256, 'x')),
      "IntNStringReceiver: a 256-byte string does not fit a 1-byte length prefix (at most 255 "
      "bytes)");

  StringTransport tr16;
  torsion::Int16StringReceiver int16;
  int16.makeConnection(&tr16);
  REQUIRE_THROWS_AS(int16.sendString(std::string(65536, 'x')), torsion::ValueError);
  REQUIRE(tr16.value().empty());
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver calls lengthLimitExceeded for a prefix over maxLength "
    "and drops the peer",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  const std::string stream =
      message<TestType>("ok") + message<TestType>("too long") + message<TestType>("after");
  for (const auto& chunks : torsion::test::allChunkings(stream)) {
    StringTransport tr;
    Recorder<TestType> proto(7);
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    // Called as soon as the prefix is complete, once, and nothing after it is delivered.
    REQUIRE(proto.strings == std::vector<std::string>{"ok"});
    REQUIRE(proto.exceeded == std::vector<std::size_t>{8});
    REQUIRE(tr.disconnecting());
  }
}

TEST_CASE("IntNStringReceiver defaults maxLength to 99999 and accepts a string of exactly it",
          "[protocols][int_n_string_receiver]") {
  StringTransport tr;
  Recorder<std::uint32_t> proto;
  proto.makeConnection(&tr);
  REQUIRE(proto.maxLength() == 99999);
  proto.dataReceived(message<std::uint32_t>(std::string(99999, 'z')));
  REQUIRE(proto.strings.size() == 1);
  proto.dataReceived(prefix(100000, 4));
  REQUIRE(proto.exceeded == std::vector<std::size_t>{100000});
}

TEST_CASE("IntNStringReceiver stops delivering once connectionLost has run",
          "[protocols][int_n_string_receiver]") {
  struct Quitter : torsion::Int16StringReceiver {
    void stringReceived(std::string_view string) override {
      strings.emplace_back(string);
      transport()->loseConnection();
    }

    std::vector<std::string> strings;
  };

  torsion::testing::StringTransportWithDisconnection tr;
  Quitter proto;
  tr.connect(proto);
  proto.dataReceived(message<std::uint16_t>("a") + message<std::uint16_t>("b"));
  REQUIRE(proto.strings == std::vector<std::string>{"a"});
}

// Acts on some strings, after Twisted's LineTester: "pause" pauses until the clock's next turn,
// "pauseresume" pauses and resumes at once, "stop" stops producing, "quit" loses the connection,
// and "inject" feeds a string back into dataReceived.
template <class Prefix>
class Tester : public IntNStringReceiver<Prefix> {
 public:
  explicit Tester(torsion::Clock* clock = nullptr) : clock_(clock) {}

  void stringReceived(std::string_view string) override {
    strings.emplace_back(string);
    if (string == "pause") {
      this->pauseProducing();
      clock_->callLater(Seconds{0}, [this] { this->resumeProducing(); });
    } else if (string == "pauseresume") {
      this->pauseProducing();
      this->resumeProducing();
    } else if (string == "stop") {
      this->stopProducing();
    } else if (string == "quit") {
      this->transport()->loseConnection();
    } else if (string == "inject") {
      this->dataReceived(message<Prefix>("injected"));
    }
  }

  std::vector<std::string> strings;

 private:
  torsion::Clock* clock_;
};

template <class Prefix>
std::string stream(std::initializer_list<std::string_view> strings) {
  std::string out;
  for (const std::string_view s : strings) {
    out.append(message<Prefix>(s));
  }
  return out;
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver paused inside stringReceived delivers nothing more; the held strings "
    "arrive on resume, in order",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  // The second pause happens while delivering strings held by the first: a pause from inside
  // resumeProducing's delivery holds the rest again.
  const std::string bytes = stream<TestType>({"a", "b", "pause", "c", "pause", "d", "e"});
  for (const auto& chunks : torsion::test::allChunkings(bytes)) {
    torsion::Clock clock;
    StringTransport tr;
    Tester<TestType> proto(&clock);
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.strings == std::vector<std::string>{"a", "b", "pause"});
    REQUIRE(proto.paused());
    REQUIRE(tr.producerState() == ProducerState::kPaused);

    clock.advance(Seconds{0});  // resumeProducing from a later hook: a timer
    REQUIRE(proto.strings == std::vector<std::string>{"a", "b", "pause", "c", "pause"});
    REQUIRE(proto.paused());
    REQUIRE(tr.producerState() == ProducerState::kPaused);

    clock.advance(Seconds{0});
    REQUIRE(proto.strings == std::vector<std::string>{"a", "b", "pause", "c", "pause", "d", "e"});
    REQUIRE_FALSE(proto.paused());
    REQUIRE(tr.producerState() == ProducerState::kProducing);
    REQUIRE_FALSE(tr.disconnecting());
  }
}

TEMPLATE_TEST_CASE("IntNStringReceiver holds bytes that arrive while paused behind the held ones",
                   "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t,
                   std::uint32_t) {
  torsion::Clock clock;
  StringTransport tr;
  Tester<TestType> proto(&clock);
  proto.makeConnection(&tr);
  const std::string later = stream<TestType>({"y", "z"});
  // The chunk ends inside a string: its tail, then bytes the transport delivered although
  // paused (a pause is only a request to the transport), queue up in order.
  proto.dataReceived(stream<TestType>({"pause", "w"}) + message<TestType>("x").substr(0, 1));
  proto.dataReceived(message<TestType>("x").substr(1) + later.substr(0, 3));
  proto.dataReceived(later.substr(3));
  REQUIRE(proto.strings == std::vector<std::string>{"pause"});
  clock.advance(Seconds{0});
  REQUIRE(proto.strings == std::vector<std::string>{"pause", "w", "x", "y", "z"});
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver paused and resumed inside one stringReceived goes on with the chunk",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  const std::string bytes = stream<TestType>({"a", "pauseresume", "b", "c"});
  for (const auto& chunks : torsion::test::allChunkings(bytes)) {
    StringTransport tr;
    Tester<TestType> proto;
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.strings == std::vector<std::string>{"a", "pauseresume", "b", "c"});
    REQUIRE_FALSE(proto.paused());
    REQUIRE(tr.producerState() == ProducerState::kProducing);
  }
}

TEMPLATE_TEST_CASE("IntNStringReceiver stopProducing drops the rest and loses the connection",
                   "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t,
                   std::uint32_t) {
  const std::string bytes = stream<TestType>({"a", "stop", "b", "c"});
  for (const auto& chunks : torsion::test::allChunkings(bytes)) {
    StringTransport tr;
    Tester<TestType> proto;
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.strings == std::vector<std::string>{"a", "stop"});
    REQUIRE(proto.paused());
    REQUIRE(tr.disconnecting());
    REQUIRE(tr.producerState() == ProducerState::kStopped);
    proto.resumeProducing();  // Stopped is final.
    proto.dataReceived(message<TestType>("later"));
    REQUIRE(proto.strings.size() == 2);
  }
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver queues bytes fed to dataReceived from inside a hook behind the rest",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  StringTransport tr;
  Tester<TestType> proto;
  proto.makeConnection(&tr);
  SECTION("the rest of the chunk comes first, then the injected bytes") {
    proto.dataReceived(stream<TestType>({"x", "inject", "y"}));
    REQUIRE(proto.strings == std::vector<std::string>{"x", "inject", "y", "injected"});
  }
  SECTION("bytes of later chunks follow the injected ones") {
    proto.dataReceived(stream<TestType>({"x", "inject"}));
    proto.dataReceived(stream<TestType>({"y"}));
    REQUIRE(proto.strings == std::vector<std::string>{"x", "inject", "injected", "y"});
  }
}

TEST_CASE(
    "IntNStringReceiver as a push producer is paused by a full consumer and resumed by a "
    "drain",
    "[protocols][int_n_string_receiver]") {
  // An echo that registers itself as its own transport's producer, as a proxy would register
  // it with the other side: a slow reader must stop the strings, not let the echoes pile up.
  struct Echo : torsion::Int8StringReceiver {
    void connectionMade() override { transport()->registerProducer(*this, true); }

    void stringReceived(std::string_view string) override {
      ++count;
      sendString(string);
    }

    int count = 0;
  };

  torsion::testing::StringTransportOptions options;
  options.writeBufferLimit = 8;
  options.lowWatermark = 0;
  StringTransport tr(options);
  Echo proto;
  proto.makeConnection(&tr);

  proto.dataReceived(stream<std::uint8_t>({"aaaa", "bbbb", "cccc", "dddd"}));
  // Two echoes (10 bytes) pass the 8-byte mark: the transport pauses the receiver mid-chunk.
  REQUIRE(proto.count == 2);
  REQUIRE(proto.paused());
  REQUIRE(tr.value() == stream<std::uint8_t>({"aaaa", "bbbb"}));

  // The drain resumes the receiver (a later hook), which echoes the held strings until the
  // buffer passes the mark again.
  tr.drainAll();
  REQUIRE(proto.count == 4);
  REQUIRE(tr.value() == stream<std::uint8_t>({"cccc", "dddd"}));
  REQUIRE(proto.paused());
  tr.drainAll();
  REQUIRE_FALSE(proto.paused());
  tr.unregisterProducer();
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver delivers nothing more once a hook loses the connection, even without "
    "connectionLost",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  // StringTransport only records the close, as the real transport does until its next turn:
  // the receiver must see `disconnecting()` itself. Three strings in one chunk, or cut anyhow.
  const std::string bytes = stream<TestType>({"quit", "b", "c"});
  for (const auto& chunks : torsion::test::allChunkings(bytes)) {
    StringTransport tr;
    Tester<TestType> proto;
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.strings == std::vector<std::string>{"quit"});
    REQUIRE(tr.disconnecting());
  }
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver checks the limit of strings held while paused, and delivers nothing "
    "after an over-limit prefix",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  torsion::Clock clock;
  StringTransport tr;
  Tester<TestType> proto(&clock);
  proto.setMaxLength(10);
  proto.makeConnection(&tr);
  proto.dataReceived(stream<TestType>({"pause", "a"}) + message<TestType>("eleven bytes") +
                     message<TestType>("b"));
  REQUIRE(proto.strings == std::vector<std::string>{"pause"});
  REQUIRE_FALSE(tr.disconnecting());
  clock.advance(Seconds{0});
  REQUIRE(proto.strings == std::vector<std::string>{"pause", "a"});
  REQUIRE(tr.disconnecting());
  proto.dataReceived(message<TestType>("c"));
  REQUIRE(proto.strings == std::vector<std::string>{"pause", "a"});
}

TEMPLATE_TEST_CASE(
    "IntNStringReceiver fed a stream cut anywhere delivers exactly the complete "
    "strings",
    "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t, std::uint32_t) {
  const std::vector<std::string> strings = {"one", "", std::string(100, 't'), "four"};
  std::string bytes;
  std::vector<std::size_t> ends;  // Where each string's last byte ends.
  for (const std::string& s : strings) {
    bytes.append(message<TestType>(s));
    ends.push_back(bytes.size());
  }
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    CAPTURE(cut);
    StringTransport tr;
    Recorder<TestType> proto;
    proto.makeConnection(&tr);
    proto.dataReceived(std::string_view(bytes).substr(0, cut));
    const auto complete = static_cast<std::size_t>(
        std::count_if(ends.begin(), ends.end(), [cut](std::size_t end) { return end <= cut; }));
    REQUIRE(proto.strings ==
            std::vector<std::string>(strings.begin(),
                                     strings.begin() + static_cast<std::ptrdiff_t>(complete)));
    REQUIRE(proto.exceeded.empty());
    REQUIRE_FALSE(tr.disconnecting());
  }
}

TEST_CASE("IntNStringReceiver takes a string of maxLength arriving a byte at a time",
          "[protocols][int_n_string_receiver]") {
  const std::string bytes =
      message<std::uint32_t>(std::string(99999, 'q')) + message<std::uint32_t>("next");
  StringTransport tr;
  Recorder<std::uint32_t> proto;
  proto.makeConnection(&tr);
  for (const char byte : bytes) {
    proto.dataReceived(std::string_view(&byte, 1));
  }
  REQUIRE(proto.strings.size() == 2);
  REQUIRE(proto.strings[0] == std::string(99999, 'q'));
  REQUIRE(proto.strings[1] == "next");
}

TEST_CASE("IntNStringReceiver refuses a prefix announcing 4 GiB without buffering anything",
          "[protocols][int_n_string_receiver]") {
  const std::string huge = prefix(0xffffffffU, 4);
  const std::string body(std::size_t{1} << 20U, 'g');

  SECTION("over maxLength: refused as soon as the prefix is complete, bytes after it dropped") {
    const std::size_t before = torsion::test::heapInUse();
    StringTransport tr;
    Recorder<std::uint32_t> proto;
    proto.makeConnection(&tr);
    proto.dataReceived(huge.substr(0, 3));
    REQUIRE(proto.exceeded.empty());
    proto.dataReceived(huge.substr(3) + "some data");
    REQUIRE(proto.exceeded == std::vector<std::size_t>{0xffffffffU});
    REQUIRE(tr.disconnecting());
    for (int i = 0; i < 16; ++i) {
      proto.dataReceived(body);
    }
    REQUIRE(proto.strings.empty());
    REQUIRE(proto.exceeded.size() == 1);
    REQUIRE(torsion::test::heapInUse() < before + std::size_t{256} * 1024);
  }
  SECTION("within an unlimited maxLength: only the bytes that arrived are held") {
    StringTransport tr;
    Recorder<std::uint32_t> proto(std::numeric_limits<std::size_t>::max());
    proto.makeConnection(&tr);
    const std::size_t before = torsion::test::heapInUse();
    proto.dataReceived(huge + body);
    REQUIRE(proto.strings.empty());
    REQUIRE(proto.exceeded.empty());
    // The held part is the megabyte that arrived (and slack), nowhere near 4 GiB.
    REQUIRE(torsion::test::heapInUse() < before + 4 * body.size());
  }
}

TEMPLATE_TEST_CASE("IntNStringReceiver survives random garbage with bounded memory",
                   "[protocols][int_n_string_receiver]", std::uint8_t, std::uint16_t,
                   std::uint32_t) {
  struct Counting : IntNStringReceiver<TestType> {
    using IntNStringReceiver<TestType>::IntNStringReceiver;

    void stringReceived(std::string_view string) override { bytes += string.size() + 1; }

    void lengthLimitExceeded(std::size_t length) override { (void)length; }

    std::size_t bytes = 0;
  };

  std::mt19937 rng(31337);
  const std::size_t before = torsion::test::heapInUse();
  std::size_t peak = 0;
  std::size_t delivered = 0;
  for (int connection = 0; connection < 100; ++connection) {
    StringTransport tr;
    Counting proto(4000);
    proto.makeConnection(&tr);
    // Valid messages (some over maxLength) with a random byte forced in now and then, cut at
    // random points: strings parse until a bad prefix breaks the peer.
    std::string stream;
    std::uniform_int_distribution<std::size_t> length(
        0, std::min<std::size_t>(4200, std::numeric_limits<TestType>::max()));
    std::uniform_int_distribution<int> corrupt(0, 20);
    for (int i = 0; i < 40; ++i) {
      stream.append(message<TestType>(torsion::test::randomBytes(rng, length(rng))));
      if (corrupt(rng) == 0) {
        stream.append(torsion::test::randomBytes(rng, 1));
      }
    }
    std::uniform_int_distribution<std::size_t> size(0, 3000);
    std::string_view rest = stream;
    while (!rest.empty()) {
      const std::size_t n = std::min(size(rng), rest.size());
      proto.dataReceived(rest.substr(0, n));
      rest.remove_prefix(n);
      peak = std::max(peak, torsion::test::heapInUse());
    }
    delivered += proto.bytes;
  }
  REQUIRE(delivered > 0);
  REQUIRE(peak < before + std::size_t{512} * 1024);
}

}  // namespace
