// StringTransport's producer bookkeeping: the rules StreamConnection follows (pause above the
// high watermark, resume at the low one, pull producers asked per drained buffer, one producer
// of the right kind), driven deterministically by drain().
#include <cstddef>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>

using namespace torsion;           // NOLINT(google-build-using-namespace): test file
using namespace torsion::testing;  // NOLINT(google-build-using-namespace): test file

namespace {

class CountingPushProducer final : public IPushProducer {
 public:
  void pauseProducing() override {
    ++pauses;
    paused = true;
  }

  void resumeProducing() override {
    ++resumes;
    paused = false;
  }

  void stopProducing() override { ++stops; }

  int pauses = 0;
  int resumes = 0;
  int stops = 0;
  bool paused = false;
};

// Writes `chunk` bytes per resumeProducing until `chunks` are out, then unregisters.
class ChunkPuller final : public IPullProducer {
 public:
  ChunkPuller(IConsumer& consumer, std::size_t chunk, int chunks)
      : consumer_(consumer), chunk_(chunk), left_(chunks) {}

  void resumeProducing() override {
    ++asked;
    REQUIRE(left_ > 0);  // never asked again after it unregistered
    consumer_.write(std::string(chunk_, 'c'));
    if (--left_ == 0) {
      consumer_.unregisterProducer();
    }
  }

  void stopProducing() override {}

  int asked = 0;

 private:
  IConsumer& consumer_;
  std::size_t chunk_;
  int left_;
};

StringTransportOptions limited(std::size_t high, std::size_t low) {
  StringTransportOptions options;
  options.writeBufferLimit = high;
  options.lowWatermark = low;
  return options;
}

}  // namespace

TEST_CASE("an unlimited buffer never pauses a push producer", "[transports][string_transport]") {
  StringTransport tr;
  CountingPushProducer producer;
  tr.registerProducer(producer, true);
  CHECK(tr.producer() == &producer);
  CHECK(tr.streaming());
  tr.write(std::string(10 * StringTransport::kHighWatermark, 'x'));
  CHECK(producer.pauses == 0);
  CHECK_FALSE(tr.producerPaused());
  tr.drainAll();
  CHECK(producer.resumes == 0);
}

TEST_CASE("a push producer is paused above the high watermark and resumed at the low one",
          "[transports][string_transport]") {
  StringTransport tr(limited(10, 4));
  CountingPushProducer producer;
  tr.registerProducer(producer, true);

  tr.write(std::string(10, 'a'));  // exactly at the mark: not over it
  CHECK(producer.pauses == 0);
  tr.write("b");  // 11 unsent
  CHECK(producer.pauses == 1);
  CHECK(tr.producerPaused());
  tr.write(std::string(20, 'c'));  // past the limit: still accepted, not paused twice
  CHECK(tr.unsent() == 31);
  CHECK(tr.value().size() == 31);
  CHECK(producer.pauses == 1);

  tr.drain(26);  // 5 left: above the low mark
  CHECK(producer.resumes == 0);
  CHECK(tr.producerPaused());
  tr.drain(1);  // 4 left: at the low mark
  CHECK(producer.resumes == 1);
  CHECK_FALSE(tr.producerPaused());
  tr.drainAll();
  CHECK(producer.resumes == 1);  // resumed once, not again
  CHECK(producer.pauses == 1);
}

TEST_CASE("the real transport's marks: pause past 64 KiB, resume at 16 KiB",
          "[transports][string_transport]") {
  StringTransportOptions options;
  options.writeBufferLimit = StringTransport::kHighWatermark;
  StringTransport tr(options);
  CountingPushProducer producer;
  tr.registerProducer(producer, true);
  tr.write(std::string(StringTransport::kHighWatermark, 'x'));
  CHECK(producer.pauses == 0);
  tr.write("x");
  CHECK(producer.pauses == 1);
  tr.drain(StringTransport::kHighWatermark + 1 - StringTransport::kLowWatermark - 1);
  CHECK(producer.resumes == 0);
  tr.drain(1);
  CHECK(tr.unsent() == StringTransport::kLowWatermark);
  CHECK(producer.resumes == 1);
}

TEST_CASE("a push producer registered over the mark is paused at once",
          "[transports][string_transport]") {
  StringTransport tr(limited(10, 4));
  tr.write(std::string(11, 'x'));
  CountingPushProducer producer;
  tr.registerProducer(producer, true);
  CHECK(producer.pauses == 1);
  CHECK(tr.producerPaused());
  tr.drainAll();
  CHECK(producer.resumes == 1);
}

TEST_CASE("a producer that writes more when resumed is paused again",
          "[transports][string_transport]") {
  StringTransport tr(limited(10, 4));
  CountingPushProducer producer;
  tr.registerProducer(producer, true);
  tr.write(std::string(11, 'x'));
  REQUIRE(producer.pauses == 1);

  struct Refill final : IPushProducer {
    StringTransport& tr;
    int pauses = 0;

    explicit Refill(StringTransport& t) : tr(t) {}

    void pauseProducing() override { ++pauses; }

    void resumeProducing() override { tr.write(std::string(11, 'y')); }

    void stopProducing() override {}
  };

  tr.unregisterProducer();
  Refill refill(tr);
  tr.registerProducer(refill, true);  // over the mark: paused at once
  CHECK(refill.pauses == 1);
  tr.drainAll();  // resumed, writes 11 more, paused again inside the drain
  CHECK(refill.pauses == 2);
  CHECK(tr.producerPaused());
  CHECK(tr.unsent() == 11);
}

TEST_CASE("clear() calls no producer; the next drain does", "[transports][string_transport]") {
  StringTransport tr(limited(10, 4));
  CountingPushProducer producer;
  tr.registerProducer(producer, true);
  tr.write(std::string(11, 'x'));
  tr.clear();
  CHECK(tr.unsent() == 0);
  CHECK(producer.resumes == 0);
  tr.drain(0);
  CHECK(producer.resumes == 1);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("a pull producer is asked once per drain that empties the buffer",
          "[transports][string_transport]") {
  const bool finite = GENERATE(false, true);
  StringTransport tr(finite ? limited(10, 4) : StringTransportOptions{});
  ChunkPuller puller(tr, 6, 3);
  tr.registerProducer(puller, false);
  CHECK(tr.producer() == &puller);
  CHECK_FALSE(tr.streaming());
  CHECK(puller.asked == 0);  // never asked inside registerProducer

  tr.drainAll();  // the empty buffer "drains": first chunk
  CHECK(puller.asked == 1);
  CHECK(tr.value() == "cccccc");
  tr.drain(2);  // partial: not asked
  CHECK(puller.asked == 1);
  CHECK(tr.drainAll() == "cccc");
  CHECK(puller.asked == 2);
  tr.drainAll();
  CHECK(puller.asked == 3);
  CHECK(tr.producer() == nullptr);  // it unregistered after its last chunk
  tr.drainAll();
  CHECK(puller.asked == 3);
}

TEST_CASE("a second producer, or one of the wrong kind, is rejected",
          "[transports][string_transport]") {
  StringTransport tr;
  CountingPushProducer push;
  ChunkPuller pull(tr, 1, 1);
  CHECK_THROWS_AS(tr.registerProducer(push, false), ValueError);
  CHECK_THROWS_AS(tr.registerProducer(pull, true), ValueError);
  CHECK(tr.producer() == nullptr);
  tr.registerProducer(push, true);
  CHECK_THROWS_AS(tr.registerProducer(pull, false), ValueError);
  CHECK_THROWS_AS(tr.registerProducer(push, true), ValueError);
  CHECK(tr.producer() == &push);
  tr.unregisterProducer();
  CHECK(tr.producer() == nullptr);
  CHECK_FALSE(tr.streaming());
  tr.unregisterProducer();  // none registered: does nothing
  tr.registerProducer(pull, false);
  CHECK(tr.producer() == &pull);
}

TEST_CASE("unregistering a paused producer forgets its pause", "[transports][string_transport]") {
  StringTransport tr(limited(10, 4));
  CountingPushProducer producer;
  tr.registerProducer(producer, true);
  tr.write(std::string(11, 'x'));
  REQUIRE(tr.producerPaused());
  tr.unregisterProducer();
  CHECK_FALSE(tr.producerPaused());
  tr.drainAll();
  CHECK(producer.resumes == 0);
  CHECK(producer.stops == 0);  // the base transport never stops a producer
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("StringTransport's setWriteBufferWatermarks gives an unlimited buffer a limit",
          "[transports][string_transport][watermarks]") {
  StringTransport tr;
  CountingPushProducer producer;
  tr.registerProducer(producer, true);
  tr.write(std::string(100, 'x'));
  CHECK_FALSE(tr.writeBufferLimit().has_value());
  CHECK(tr.unsent() == 0);
  CHECK(producer.pauses == 0);

  tr.setWriteBufferWatermarks({.high = 10, .low = 5});
  CHECK(tr.writeBufferLimit() == std::optional<std::size_t>{10});
  CHECK(tr.lowWatermark() == 5);
  CHECK(tr.unsent() == 100);  // what value() holds now counts as unsent
  CHECK(producer.pauses == 1);
  CHECK(tr.producerPaused());

  tr.drain(94);
  CHECK(producer.resumes == 0);  // 6 unsent: above the low mark
  tr.drain(1);
  CHECK(producer.resumes == 1);
  CHECK_FALSE(tr.producerPaused());
}

TEST_CASE("StringTransport's setWriteBufferWatermarks keeps the marks when they are inverted",
          "[transports][string_transport][watermarks]") {
  StringTransportOptions options;
  options.writeBufferLimit = 100;
  StringTransport tr(options);
  CHECK(tr.writeBufferWatermarks() == WriteBufferWatermarks{.high = 100, .low = 25});
  CHECK_THROWS_WITH(tr.setWriteBufferWatermarks({.high = 10, .low = 11}),
                    "setWriteBufferWatermarks: the low watermark 11 exceeds the high watermark 10");
  CHECK(tr.writeBufferWatermarks() == WriteBufferWatermarks{.high = 100, .low = 25});
}
