#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/errors.hpp>
#include <torsion/protocols/int_n_string_receiver.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

#include "protocols_test_support.hpp"

namespace {

using torsion::IntNStringReceiver;
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
