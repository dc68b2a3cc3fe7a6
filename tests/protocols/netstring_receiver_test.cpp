#include <algorithm>
#include <cstddef>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/protocols/errors.hpp>
#include <torsion/protocols/netstring_receiver.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

#include "protocols_test_support.hpp"

namespace {

using torsion::NetstringParseError;
using torsion::NetstringReceiver;
using torsion::testing::StringTransport;

class Recorder : public NetstringReceiver {
 public:
  using NetstringReceiver::NetstringReceiver;

  void stringReceived(std::string_view string) override { strings.emplace_back(string); }

  void netstringError(const NetstringParseError& error) override {
    errors.emplace_back(error.what());
    NetstringReceiver::netstringError(error);
  }

  std::vector<std::string> strings;
  std::vector<std::string> errors;
};

TEST_CASE("NetstringReceiver receives what sendString sends, in every chunking",
          "[protocols][netstring_receiver]") {
  const std::vector<std::string> strings = {"hello",
                                            "world",
                                            "how",
                                            "are",
                                            "you123",
                                            ":today",
                                            "",
                                            "1:a,",
                                            std::string(515, 'a'),
                                            std::string("\0,:", 3)};
  StringTransport sender;
  NetstringReceiver writer;
  writer.makeConnection(&sender);
  for (const std::string& s : strings) {
    writer.sendString(s);
  }
  const std::string stream = sender.value();
  REQUIRE(stream.substr(0, 9) == "5:hello,5");

  for (const auto& chunks : torsion::test::allChunkings(stream)) {
    StringTransport tr;
    Recorder proto(699);
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.strings == strings);
    REQUIRE(proto.errors.empty());
    REQUIRE_FALSE(proto.brokenPeer());
    REQUIRE_FALSE(tr.disconnecting());
  }
}

TEST_CASE("NetstringReceiver accepts the border cases of the format",
          "[protocols][netstring_receiver]") {
  StringTransport tr;
  Recorder proto;
  proto.makeConnection(&tr);
  CHECK(proto.maxLength() == 99999);

  proto.dataReceived("0:,");
  proto.dataReceived("1:a,2:ab,");
  proto.dataReceived("4:1:a,,");  // nested: ':' and ',' inside the data are data
  for (const std::string_view part : {"1", "0:01234", "56789", ","}) {
    proto.dataReceived(part);
  }
  REQUIRE(proto.strings == std::vector<std::string>{"", "a", "ab", "1:a,", "0123456789"});
  REQUIRE_FALSE(tr.disconnecting());
}

TEST_CASE("NetstringReceiver accepts a length equal to maxLength and refuses one more",
          "[protocols][netstring_receiver]") {
  StringTransport tr;
  Recorder proto(12);
  proto.makeConnection(&tr);
  proto.dataReceived("12:abcdefghijkl,");
  REQUIRE(proto.strings == std::vector<std::string>{"abcdefghijkl"});
  proto.setMaxLength(11);
  proto.dataReceived("12:");
  REQUIRE(proto.errors == std::vector<std::string>{"netstring: length too long (12 > 11)"});
  REQUIRE(proto.brokenPeer());
}

TEST_CASE("NetstringReceiver drops a peer that breaks the format, saying which rule",
          "[protocols][netstring_receiver]") {
  struct Case {
    std::string_view input;
    std::string_view error;
  };

  const Case c =
      GENERATE(Case{"01:a,", "netstring: length has a leading zero"},
               Case{"00:,", "netstring: length has a leading zero"},
               Case{"abc", "netstring: expected a length digit or ':', got 'a'"},
               Case{"3aaa,", "netstring: expected a length digit or ':', got 'a'"},
               Case{"-1:a,", "netstring: expected a length digit or ':', got '-'"},
               Case{"\n", "netstring: expected a length digit or ':', got 0x0a"},
               Case{":aaa,", "netstring: missing length before ':'"},
               Case{"100000:", "netstring: length too long (100000 > 99999)"},
               Case{"9999999999999999999999", "netstring: length too long (999999 > 99999)"},
               Case{"2:aaa,", "netstring: missing comma after 2-byte string, got 'a'"},
               Case{"0:a,", "netstring: missing comma after 0-byte string, got 'a'"},
               Case{"4:abcde", "netstring: missing comma after 4-byte string, got 'e'"});
  CAPTURE(c.input);

  const std::string stream = "1:x," + std::string(c.input) + "5:after,";
  for (const auto& chunks : torsion::test::allChunkings(stream)) {
    StringTransport tr;
    Recorder proto;
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    // The string before the error is delivered, nothing after it, and the hook runs once.
    REQUIRE(proto.strings == std::vector<std::string>{"x"});
    REQUIRE(proto.errors == std::vector<std::string>{std::string(c.error)});
    REQUIRE(proto.brokenPeer());
    REQUIRE(tr.disconnecting());
  }
}

TEST_CASE("NetstringReceiver stops delivering once connectionLost has run",
          "[protocols][netstring_receiver]") {
  struct Quitter : NetstringReceiver {
    void stringReceived(std::string_view string) override {
      strings.emplace_back(string);
      transport()->loseConnection();
    }

    std::vector<std::string> strings;
  };

  torsion::testing::StringTransportWithDisconnection tr;
  Quitter proto;
  tr.connect(proto);
  proto.dataReceived("1:a,1:b,");
  REQUIRE(proto.strings == std::vector<std::string>{"a"});
}

TEST_CASE(
    "NetstringReceiver delivers nothing more once a hook loses the connection, even without "
    "connectionLost",
    "[protocols][netstring_receiver]") {
  // A torsion rule beyond Twisted, whose NetstringReceiver would deliver "b" and "c".
  struct Quitter : NetstringReceiver {
    void stringReceived(std::string_view string) override {
      strings.emplace_back(string);
      if (string == "quit") {
        transport()->loseConnection();  // StringTransport only records it
      }
    }

    std::vector<std::string> strings;
  };

  constexpr std::string_view kStream = "4:quit,1:b,1:c,";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    StringTransport tr;
    Quitter proto;
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.strings == std::vector<std::string>{"quit"});
    REQUIRE(tr.disconnecting());
    REQUIRE_FALSE(proto.brokenPeer());
  }
}

TEST_CASE("NetstringReceiver fed a stream cut anywhere delivers exactly the complete strings",
          "[protocols][netstring_receiver]") {
  constexpr std::string_view kStream = "3:one,0:,12:twelve bytes,4:four,";
  const std::vector<std::size_t> ends = {6, 9, 25, 32};
  const std::vector<std::string> strings = {"one", "", "twelve bytes", "four"};
  for (std::size_t cut = 0; cut <= kStream.size(); ++cut) {
    CAPTURE(cut);
    StringTransport tr;
    Recorder proto;
    proto.makeConnection(&tr);
    proto.dataReceived(kStream.substr(0, cut));
    const auto complete = static_cast<std::size_t>(
        std::count_if(ends.begin(), ends.end(), [cut](std::size_t end) { return end <= cut; }));
    REQUIRE(proto.strings ==
            std::vector<std::string>(strings.begin(),
                                     strings.begin() + static_cast<std::ptrdiff_t>(complete)));
    REQUIRE(proto.errors.empty());
    REQUIRE_FALSE(tr.disconnecting());
  }
}

TEST_CASE("NetstringReceiver refuses a 30-digit length without overflowing",
          "[protocols][netstring_receiver]") {
  const std::string digits(30, '9');
  SECTION("with the default maxLength, at the sixth digit") {
    StringTransport tr;
    Recorder proto;
    proto.makeConnection(&tr);
    proto.dataReceived(digits + ":data,");
    REQUIRE(proto.errors ==
            std::vector<std::string>{"netstring: length too long (999999 > 99999)"});
    REQUIRE(tr.disconnecting());
  }
  SECTION("with an unlimited maxLength, at the digit that would pass SIZE_MAX") {
    StringTransport tr;
    Recorder proto(std::numeric_limits<std::size_t>::max());
    proto.makeConnection(&tr);
    for (const char digit : digits) {
      proto.dataReceived(std::string_view(&digit, 1));
    }
    REQUIRE(proto.errors ==
            std::vector<std::string>{
                "netstring: length too long (99999999999999999999 > 18446744073709551615)"});
    REQUIRE(proto.brokenPeer());
    proto.dataReceived(":x,1:y,");
    REQUIRE(proto.strings.empty());
    REQUIRE(proto.errors.size() == 1);
  }
  SECTION("a length of 2^64 exactly is one more than SIZE_MAX") {
    StringTransport tr;
    Recorder proto(std::numeric_limits<std::size_t>::max());
    proto.makeConnection(&tr);
    proto.dataReceived("18446744073709551616:");
    REQUIRE(proto.errors ==
            std::vector<std::string>{
                "netstring: length too long (18446744073709551616 > 18446744073709551615)"});
  }
}

TEST_CASE("NetstringReceiver holds only the data that arrived, whatever length was announced",
          "[protocols][netstring_receiver]") {
  StringTransport tr;
  Recorder proto(std::numeric_limits<std::size_t>::max());
  proto.makeConnection(&tr);
  const std::size_t before = torsion::test::heapInUse();
  proto.dataReceived("4000000000:");
  proto.dataReceived(std::string(1000, 'd'));
  REQUIRE(torsion::test::heapInUse() < before + std::size_t{64} * 1024);
  REQUIRE(proto.strings.empty());
  REQUIRE(proto.errors.empty());
}

TEST_CASE("NetstringReceiver takes a string of maxLength arriving a byte at a time",
          "[protocols][netstring_receiver]") {
  const std::string data(99999, 'n');
  const std::string bytes = "99999:" + data + ",4:next,";
  StringTransport tr;
  Recorder proto;
  proto.makeConnection(&tr);
  for (const char byte : bytes) {
    proto.dataReceived(std::string_view(&byte, 1));
  }
  REQUIRE(proto.strings == std::vector<std::string>{data, "next"});
}

TEST_CASE("NetstringReceiver survives random garbage with bounded memory",
          "[protocols][netstring_receiver]") {
  std::mt19937 rng(99991);
  const std::size_t before = torsion::test::heapInUse();
  std::size_t peak = 0;
  std::size_t delivered = 0;
  for (int connection = 0; connection < 300; ++connection) {
    struct Counting : NetstringReceiver {
      using NetstringReceiver::NetstringReceiver;

      void stringReceived(std::string_view string) override { bytes += string.size() + 1; }

      void netstringError(const NetstringParseError& error) override { (void)error; }

      std::size_t bytes = 0;
    };

    StringTransport tr;
    Counting proto(1000);
    proto.makeConnection(&tr);
    // Valid netstrings with random data, with a random byte forced in now and then, cut at
    // random points: strings parse until the corruption breaks the peer.
    std::string stream;
    std::uniform_int_distribution<std::size_t> length(0, 1200);
    std::uniform_int_distribution<int> corrupt(0, 20);
    for (int i = 0; i < 40; ++i) {
      const std::string data = torsion::test::randomBytes(rng, length(rng));
      stream.append(std::to_string(data.size())).append(":").append(data).append(",");
      if (corrupt(rng) == 0) {
        stream.append(torsion::test::randomBytes(rng, 1));
      }
    }
    std::uniform_int_distribution<std::size_t> size(0, 300);
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
