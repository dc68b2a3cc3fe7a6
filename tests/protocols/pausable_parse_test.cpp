#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include <torsion/protocols/detail/pausable_parse.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/transports/ipush_producer.hpp>
#include <torsion/transports/protocol.hpp>

#include "protocols_test_support.hpp"

namespace {

using torsion::testing::ProducerState;
using torsion::testing::StringTransport;

// The smallest receiver the helper can drive, so that its contract is tested apart from any
// framing: every byte is one unit, handed to the hook `unitReceived`.
template <bool QueuesWhenFinished>
class ByteReceiver : public torsion::Protocol,
                     public torsion::IPushProducer,
                     private torsion::detail::PausableParse {
 public:
  void dataReceived(std::string_view data) override { receive(*this, data); }

  void pauseProducing() override { pauseParsing(*this); }

  void resumeProducing() override { resumeParsing(*this); }

  void stopProducing() override { stopParsing(*this); }

  virtual void unitReceived(std::string_view unit) = 0;

  [[nodiscard]] bool isPaused() const { return paused_; }

  // The bytes held between calls.
  [[nodiscard]] std::string_view pending() const { return held(); }

  [[nodiscard]] std::size_t capacity() const { return buffer_.capacity(); }

 private:
  friend class torsion::detail::PausableParse;
  static constexpr bool kQueuesWhenFinished = QueuesWhenFinished;

  [[nodiscard]] bool finished() const {
    return transport() != nullptr && transport()->disconnecting();
  }

  bool deliverOne() {
    std::string_view unit;
    if (start_ < buffer_.size()) {
      unit = held().substr(0, 1);
      ++start_;
    } else if (!chunk_.empty()) {
      unit = chunk_.substr(0, 1);
      chunk_.remove_prefix(1);
    } else if (!incoming_.empty()) {
      buffer_.clear();
      start_ = 0;
      buffer_.swap(incoming_);
      return true;
    } else {
      return false;
    }
    unitReceived(unit);
    return true;
  }

  void compact() { keepUnparsed(); }
};

// A hook that acts on some units:
//   'p' pauses, 'R' pauses and resumes at once, 's' stops,
//   'i' feeds "xy" to dataReceived, 'Q' loses the connection and then feeds "xy", '!' throws.
// It records its unit only after acting, so a view invalidated by the re-entrant call would be
// read after the fact (and reported by ASan).
template <bool QueuesWhenFinished>
class Scripted final : public ByteReceiver<QueuesWhenFinished> {
 public:
  void unitReceived(std::string_view unit) override {
    ++depth;
    maxDepth = std::max(maxDepth, depth);
    switch (unit.front()) {
      case 'p':
        this->pauseProducing();
        break;
      case 'R':
        this->pauseProducing();
        this->resumeProducing();
        break;
      case 's':
        this->stopProducing();
        break;
      case 'i':
        this->dataReceived("xy");
        break;
      case 'Q':
        this->transport()->loseConnection();
        this->dataReceived("xy");
        break;
      case '!':
        --depth;
        throw std::runtime_error("hook failed");
      default:
        break;
    }
    received.append(unit);
    --depth;
  }

  std::string received;
  int depth = 0;
  int maxDepth = 0;
};

using Receiver = Scripted<false>;

TEST_CASE("PausableParse queues bytes a hook feeds to dataReceived behind the rest of the chunk",
          "[protocols][pausable_parse]") {
  constexpr std::string_view kStream = "aibc";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    StringTransport tr;
    Receiver proto;
    proto.makeConnection(&tr);
    std::string expected;
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
      expected.append(chunk);
      if (chunk.find('i') != std::string_view::npos) {
        expected.append("xy");  // Parsed by the running loop, before the next chunk.
      }
    }
    REQUIRE(proto.received == expected);
    REQUIRE(proto.maxDepth == 1);  // Never parsed from inside the hook.
    REQUIRE(proto.pending().empty());
  }
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("PausableParse paused by a hook holds the rest and later bytes until resumed",
          "[protocols][pausable_parse]") {
  constexpr std::string_view kStream = "apbc";
  for (const auto& chunks : torsion::test::allChunkings(kStream)) {
    StringTransport tr;
    Receiver proto;
    proto.makeConnection(&tr);
    for (const std::string_view chunk : chunks) {
      proto.dataReceived(chunk);
    }
    REQUIRE(proto.received == "ap");
    REQUIRE(proto.isPaused());
    REQUIRE(tr.producerState() == ProducerState::kPaused);
    REQUIRE(proto.pending() == "bc");

    proto.dataReceived("d");  // From the transport, say, before its pause took effect.
    REQUIRE(proto.received == "ap");
    REQUIRE(proto.pending() == "bcd");

    proto.resumeProducing();
    REQUIRE(proto.received == "apbcd");
    REQUIRE_FALSE(proto.isPaused());
    REQUIRE(tr.producerState() == ProducerState::kProducing);
    REQUIRE(proto.pending().empty());
  }
}

TEST_CASE("PausableParse resumed from inside a hook goes on in the running loop",
          "[protocols][pausable_parse]") {
  StringTransport tr;
  Receiver proto;
  proto.makeConnection(&tr);
  proto.dataReceived("aRbRc");
  REQUIRE(proto.received == "aRbRc");
  REQUIRE(proto.maxDepth == 1);
  REQUIRE_FALSE(proto.isPaused());
  REQUIRE(tr.producerState() == ProducerState::kProducing);
}

TEST_CASE("PausableParse stopped by a hook delivers nothing again, even when resumed",
          "[protocols][pausable_parse]") {
  StringTransport tr;
  Receiver proto;
  proto.makeConnection(&tr);
  proto.dataReceived("asb");
  REQUIRE(proto.received == "as");
  REQUIRE(proto.isPaused());
  REQUIRE(tr.producerState() == ProducerState::kStopped);

  proto.resumeProducing();
  proto.dataReceived("c");
  REQUIRE(proto.received == "as");
  REQUIRE(proto.isPaused());
}

TEST_CASE("PausableParse rethrows what a hook throws and parses the next chunk normally",
          "[protocols][pausable_parse]") {
  StringTransport tr;
  Receiver proto;
  proto.makeConnection(&tr);
  REQUIRE_THROWS_AS(proto.dataReceived("a!b"), std::runtime_error);
  REQUIRE(proto.received == "a");
  REQUIRE(proto.pending().empty());  // No view into the dead chunk is kept.

  // Not still "inside a hook": the bytes are parsed, not queued for a loop that is gone.
  proto.dataReceived("c");
  REQUIRE(proto.received == "ac");
  REQUIRE(proto.depth == 0);
}

TEST_CASE("PausableParse drops bytes once finished, but a hook's only if the receiver says so",
          "[protocols][pausable_parse]") {
  SECTION("kQueuesWhenFinished: the hook's bytes are kept behind the rest of the chunk") {
    StringTransport tr;
    Scripted<true> proto;
    proto.makeConnection(&tr);
    proto.dataReceived("aQb");
    REQUIRE(proto.received == "aQ");
    REQUIRE(proto.pending() == "bxy");
    proto.dataReceived("c");  // From outside: dropped.
    REQUIRE(proto.pending() == "bxy");
    REQUIRE(proto.received == "aQ");
  }
  SECTION("otherwise they are dropped too") {
    StringTransport tr;
    Scripted<false> proto;
    proto.makeConnection(&tr);
    proto.dataReceived("aQb");
    REQUIRE(proto.received == "aQ");
    REQUIRE(proto.pending() == "b");
    proto.dataReceived("c");
    REQUIRE(proto.pending() == "b");
    REQUIRE(proto.received == "aQ");
  }
}

TEST_CASE("PausableParse gives back the memory of a burst held while paused",
          "[protocols][pausable_parse]") {
  constexpr std::size_t kBurst = std::size_t{256} * 1024;
  StringTransport tr;
  Receiver proto;
  proto.makeConnection(&tr);
  proto.dataReceived("p");
  proto.dataReceived(std::string(kBurst, 'a'));
  REQUIRE(proto.pending().size() == kBurst);
  REQUIRE(proto.capacity() >= kBurst);

  proto.resumeProducing();
  REQUIRE(proto.received.size() == kBurst + 1);
  REQUIRE(proto.pending().empty());
  REQUIRE(proto.capacity() < kBurst);
}

}  // namespace
