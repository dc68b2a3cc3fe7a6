// ThrottlingFactory and ThrottlingProtocol: per-second read and write budgets on a Clock.
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/throttling_factory.hpp>
#include <torsion/protocols/throttling_protocol.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "policies_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file
using namespace std::chrono_literals;
using torsion::testing::ProducerState;
using torsion::testing::StringTransportOptions;
using torsion::testing::StringTransportWithDisconnection;

namespace {

const Address kPeer = Address::ipv4("127.0.0.1", 40000);

// Echoes what it reads and is its own push producer, as Twisted's test makes the wrapped
// protocol the producer; it records whether it is paused.
class PausableEcho final : public Protocol, public IPushProducer {
 public:
  void connectionMade() override {
    if (registerSelf) {
      transport()->registerProducer(*this, true);
    }
  }

  void dataReceived(std::string_view data) override { transport()->write(data); }

  void pauseProducing() override {
    paused = true;
    ++pauses;
  }

  void resumeProducing() override {
    paused = false;
    ++resumes;
  }

  void stopProducing() override { stopped = true; }

  bool registerSelf = true;
  bool paused = false;
  bool stopped = false;
  int pauses = 0;
  int resumes = 0;
};

struct Fixture {
  explicit Fixture(ThrottlingOptions options, const StringTransportOptions& transportOptions = {})
      : transport(transportOptions) {
    auto inner = Factory::fromFunction([this](const Address&) -> std::unique_ptr<Protocol> {
      auto p = std::make_unique<PausableEcho>();
      echo = p.get();
      return p;
    });
    factory = std::make_shared<ThrottlingFactory>(clock, inner, options);
    protocol = factory->buildProtocol(kPeer);
    REQUIRE(protocol);
    transport.connect(*protocol);
  }

  Clock clock;
  std::shared_ptr<ThrottlingFactory> factory;
  PausableEcho* echo = nullptr;
  std::unique_ptr<Protocol> protocol;
  StringTransportWithDisconnection transport;
};

ThrottlingOptions readLimit(std::uint64_t limit) {
  ThrottlingOptions o;
  o.readLimit = limit;
  return o;
}

ThrottlingOptions writeLimit(std::uint64_t limit) {
  ThrottlingOptions o;
  o.writeLimit = limit;
  return o;
}

}  // namespace

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ThrottlingFactory pauses reading after a second over the read limit, then resumes",
          "[protocols][throttling_factory]") {
  Fixture f(readLimit(10));
  for (int round = 0; round < 2; ++round) {
    f.transport.clear();
    f.protocol->dataReceived("0123456789");
    f.protocol->dataReceived("abcdefghij");
    CHECK(f.transport.value() == "0123456789abcdefghij");
    CHECK(f.factory->readThisSecond() == 20);

    // 20 bytes against 10 per second: paused at the check for 20/10 - 1 = 1 second.
    f.clock.advance(1.05s);
    CHECK(f.factory->readThisSecond() == 0);
    CHECK(f.transport.producerState() == ProducerState::kPaused);

    f.clock.advance(1.05s);
    CHECK(f.factory->readThisSecond() == 0);
    CHECK(f.transport.producerState() == ProducerState::kProducing);
  }
}

TEST_CASE("ThrottlingFactory leaves reading alone while under the read limit",
          "[protocols][throttling_factory]") {
  Fixture f(readLimit(10));
  f.protocol->dataReceived("0123456789");  // exactly the limit is allowed
  f.clock.advance(1.05s);
  CHECK(f.transport.producerState() == ProducerState::kProducing);
}

TEST_CASE("ThrottlingFactory pays a large overshoot back with a longer pause",
          "[protocols][throttling_factory]") {
  Fixture f(readLimit(10));
  f.protocol->dataReceived(std::string(35, 'x'));  // 35/10 - 1 = 2.5 s of pause from t = 1
  f.clock.advance(1s);
  CHECK(f.transport.producerState() == ProducerState::kPaused);
  f.clock.advance(2.4s);
  CHECK(f.transport.producerState() == ProducerState::kPaused);
  f.clock.advance(0.2s);
  CHECK(f.transport.producerState() == ProducerState::kProducing);
}

TEST_CASE("ThrottlingFactory pauses the registered push producer over the write limit",
          "[protocols][throttling_factory]") {
  Fixture f(writeLimit(10));
  f.protocol->dataReceived("0123456789");
  f.protocol->dataReceived("abcdefghij");
  CHECK(f.transport.value() == "0123456789abcdefghij");
  CHECK(f.factory->writtenThisSecond() == 20);
  CHECK_FALSE(f.echo->paused);

  f.clock.advance(1.05s);
  CHECK(f.factory->writtenThisSecond() == 0);
  CHECK(f.echo->paused);

  f.clock.advance(1.05s);
  CHECK(f.factory->writtenThisSecond() == 0);
  CHECK_FALSE(f.echo->paused);
}

TEST_CASE("ThrottlingFactory counts writeSequence bytes", "[protocols][throttling_factory]") {
  Fixture f(writeLimit(10));
  const std::array<std::string_view, 3> pieces{"abc", "defg", "hi"};
  f.echo->transport()->writeSequence(pieces);
  CHECK(f.transport.value() == "abcdefghi");
  CHECK(f.factory->writtenThisSecond() == 9);
}

TEST_CASE("The read throttle does not resume reading the wrapped protocol paused itself",
          "[protocols][throttling_factory]") {
  Fixture f(readLimit(10));
  f.protocol->dataReceived(std::string(20, 'x'));
  f.echo->transport()->pauseProducing();  // the protocol's own pause
  f.clock.advance(1.05s);                 // throttled
  f.clock.advance(1.05s);                 // unthrottled: the protocol's pause still holds
  CHECK(f.transport.producerState() == ProducerState::kPaused);
  f.echo->transport()->resumeProducing();
  CHECK(f.transport.producerState() == ProducerState::kProducing);

  // And the protocol's resume does not end a throttle.
  f.protocol->dataReceived(std::string(20, 'x'));
  f.clock.advance(1.0s);
  CHECK(f.transport.producerState() == ProducerState::kPaused);
  f.echo->transport()->pauseProducing();
  f.echo->transport()->resumeProducing();
  CHECK(f.transport.producerState() == ProducerState::kPaused);
}

TEST_CASE("The write throttle does not resume a producer the transport holds paused",
          "[protocols][throttling_factory]") {
  StringTransportOptions small;
  small.writeBufferLimit = 10;
  small.lowWatermark = 0;
  Fixture f(writeLimit(10), small);
  f.protocol->dataReceived(std::string(20, 'x'));  // over the buffer mark: the transport pauses
  CHECK(f.echo->paused);
  f.clock.advance(1.05s);  // throttled as well
  f.clock.advance(1.05s);  // throttle over; the buffer is still full
  CHECK(f.echo->paused);
  (void)f.transport.drainAll();
  CHECK_FALSE(f.echo->paused);
  CHECK(f.echo->pauses == 1);  // one pause, one resume: the producer saw no flapping
  CHECK(f.echo->resumes == 1);
}

TEST_CASE("ThrottlingFactory refuses connections past maxConnectionCount",
          "[protocols][throttling_factory]") {
  ThrottlingOptions options;
  options.maxConnectionCount = 1;
  Fixture f(options);
  LogCapture log;
  CHECK(f.factory->buildProtocol(kPeer) == nullptr);
  CHECK(log.contains("maximum connection count (1) reached"));
  f.transport.abortConnection();
  CHECK(f.factory->buildProtocol(kPeer) != nullptr);
}

TEST_CASE("ThrottlingFactory stops its timers with the last connection and when destroyed",
          "[protocols][throttling_factory]") {
  ThrottlingOptions options;
  options.readLimit = 10;
  options.writeLimit = 10;
  {
    Fixture f(options);
    f.protocol->dataReceived(std::string(40, 'x'));
    f.clock.advance(1s);  // throttles scheduled
    CHECK(f.clock.getDelayedCalls().size() == 4);
    f.transport.abortConnection();  // a registered producer would hold a clean close open
    CHECK(f.clock.getDelayedCalls().empty());
  }
  {
    Fixture f(options);
    f.protocol->dataReceived(std::string(40, 'x'));
    f.clock.advance(1s);
    f.protocol.reset();  // the wrapper goes without connectionLost
    CHECK(f.clock.getDelayedCalls().empty());
    f.protocol = f.factory->buildProtocol(kPeer);
    testing::StringTransport tr;
    tr.connect(*f.protocol);
    CHECK_FALSE(f.clock.getDelayedCalls().empty());
    f.factory.reset();  // the protocol still shares it
    f.protocol.reset();
    CHECK(f.clock.getDelayedCalls().empty());
  }
}

TEST_CASE("A connection made during a throttle joins it", "[protocols][throttling_factory]") {
  Fixture f(readLimit(10));
  f.protocol->dataReceived(std::string(20, 'x'));
  f.clock.advance(1s);
  auto late = f.factory->buildProtocol(kPeer);
  testing::StringTransport tr;
  tr.connect(*late);
  CHECK(tr.producerState() == ProducerState::kPaused);
  f.clock.advance(1s);
  CHECK(tr.producerState() == ProducerState::kProducing);
}

TEST_CASE("ThrottlingFactory rejects a zero limit", "[protocols][throttling_factory]") {
  Clock clock;
  auto inner = Factory::fromFunction([](const Address&) { return std::unique_ptr<Protocol>(); });
  CHECK_THROWS_AS(ThrottlingFactory(clock, inner, readLimit(0)), ValueError);
  CHECK_THROWS_AS(ThrottlingFactory(clock, inner, writeLimit(0)), ValueError);
}
