// ProtocolWrapper: forwarding both ways, registration, and ownership.
#include <array>
#include <memory>
#include <string_view>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/protocols/wrapping_factory.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "policies_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file
using torsion::testing::ProducerState;
using torsion::testing::StringTransport;
using torsion::testing::StringTransportWithDisconnection;

namespace {

const Address kPeer = Address::ipv4("127.0.0.1", 40000);

class NullProducer final : public IPushProducer {
 public:
  void pauseProducing() override {}

  void resumeProducing() override {}

  void stopProducing() override {}
};

std::unique_ptr<ProtocolWrapper> build(WrappingFactory& factory) {
  auto p = factory.buildProtocol(kPeer);
  REQUIRE(p);
  auto* wrapper = dynamic_cast<ProtocolWrapper*>(p.get());
  REQUIRE(wrapper != nullptr);
  (void)p.release();
  return std::unique_ptr<ProtocolWrapper>(wrapper);
}

}  // namespace

TEST_CASE("ProtocolWrapper forwards connectionMade, dataReceived and connectionLost",
          "[protocols][protocol_wrapper]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto wrapper = build(*factory);
  StringTransportWithDisconnection tr;
  tr.connect(*wrapper);
  CHECK(record.made == 1);
  auto& inner = wrapper->wrappedProtocol();
  CHECK(inner.transport() == wrapper.get());  // the wrapped protocol sees the wrapper

  wrapper->dataReceived("abc");
  wrapper->dataReceived("def");
  CHECK(record.received == "abcdef");

  tr.loseConnection();
  CHECK(record.lost == 1);
  REQUIRE(record.reason);
  CHECK(record.reason->check<ConnectionDone>());
}

TEST_CASE("ProtocolWrapper passes the wrapped protocol's transport calls to the real transport",
          "[protocols][protocol_wrapper]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto wrapper = build(*factory);
  testing::StringTransportOptions options;
  options.peer = kPeer;
  StringTransport tr(options);
  tr.connect(*wrapper);
  ITransport& seen = *wrapper->wrappedProtocol().transport();

  seen.write("one ");
  const std::array<std::string_view, 2> pieces{"two ", "three"};
  seen.writeSequence(pieces);
  CHECK(tr.value() == "one two three");
  CHECK(seen.getPeer() == kPeer);
  CHECK(seen.getHost() == tr.getHost());

  seen.pauseProducing();
  CHECK(tr.producerState() == ProducerState::kPaused);
  seen.resumeProducing();
  CHECK(tr.producerState() == ProducerState::kProducing);

  NullProducer producer;
  seen.registerProducer(producer, true);
  CHECK(tr.producer() == &producer);
  CHECK(tr.streaming());
  seen.unregisterProducer();
  CHECK(tr.producer() == nullptr);

  CHECK_FALSE(wrapper->disconnecting());
  seen.loseConnection();
  CHECK(wrapper->disconnecting());
  CHECK(tr.disconnecting());
  seen.abortConnection();
  CHECK(tr.aborted());
}

TEST_CASE("WrappingFactory registers each wrapper from connectionMade to connectionLost",
          "[protocols][protocol_wrapper]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto first = build(*factory);
  auto second = build(*factory);
  CHECK(factory->protocols().empty());  // built is not connected

  StringTransportWithDisconnection tr1;
  StringTransportWithDisconnection tr2;
  tr1.connect(*first);
  tr2.connect(*second);
  REQUIRE(factory->protocols().size() == 2);
  CHECK(factory->protocols()[0] == first.get());
  CHECK(factory->protocols()[1] == second.get());

  tr1.loseConnection();
  REQUIRE(factory->protocols().size() == 1);
  CHECK(factory->protocols()[0] == second.get());
  tr2.abortConnection();
  CHECK(factory->protocols().empty());
}

TEST_CASE("A wrapper destroyed without connectionLost leaves its factory's registry",
          "[protocols][protocol_wrapper]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto wrapper = build(*factory);
  StringTransport tr;  // never calls connectionLost, like a reactor torn down with live sockets
  tr.connect(*wrapper);
  REQUIRE(factory->protocols().size() == 1);
  wrapper.reset();
  CHECK(factory->protocols().empty());
  CHECK(record.destroyed == 1);  // the wrapper owned the wrapped protocol
}

TEST_CASE("A wrapper drops the wrapped protocol's calls after connectionLost",
          "[protocols][protocol_wrapper]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto wrapper = build(*factory);
  StringTransportWithDisconnection tr;
  tr.connect(*wrapper);
  ITransport* seen = wrapper->wrappedProtocol().transport();
  tr.abortConnection();
  REQUIRE(record.lost == 1);

  seen->write("late");
  seen->loseConnection();
  seen->pauseProducing();
  CHECK(tr.value().empty());
  CHECK_THROWS_AS(seen->getPeer(), ValueError);
}

TEST_CASE("A wrapper keeps its factory alive, and the factory keeps the wrapped factory",
          "[protocols][protocol_wrapper]") {
  Record record;
  auto inner = recorderFactory(record);
  const std::weak_ptr<Factory> innerAlive = inner;
  auto factory = std::make_shared<WrappingFactory>(std::move(inner));
  const std::weak_ptr<WrappingFactory> alive = factory;
  auto wrapper = build(*factory);
  factory.reset();
  CHECK_FALSE(alive.expired());
  CHECK(&wrapper->factory() == alive.lock().get());
  wrapper.reset();
  CHECK(alive.expired());
  CHECK(innerAlive.expired());
}

TEST_CASE("ProtocolWrapper rejects a null factory or protocol", "[protocols][protocol_wrapper]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  CHECK_THROWS_AS(ProtocolWrapper(nullptr, std::make_unique<Recorder>(record)), ValueError);
  CHECK_THROWS_AS(ProtocolWrapper(factory, nullptr), ValueError);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("After the wrapper delivers connectionLost, the wrapped protocol's transport() is null",
          "[protocols][protocol_wrapper]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto wrapper = build(*factory);
  StringTransportWithDisconnection tr;
  tr.connect(*wrapper);
  Protocol& inner = wrapper->wrappedProtocol();
  CHECK(inner.transport() == wrapper.get());
  CHECK(inner.connected());
  tr.loseConnection();
  REQUIRE(record.lost == 1);
  CHECK(inner.transport() == nullptr);  // detached, as a real transport leaves it
  CHECK_FALSE(inner.connected());
  CHECK(wrapper->transport() == nullptr);
}

TEST_CASE("Protocol::endConnection detaches the transport even when connectionLost throws",
          "[protocols][protocol_wrapper]") {
  class Throws final : public Protocol {
   public:
    void connectionLost(const Failure& /*reason*/) override { throw ValueError("boom"); }
  };

  StringTransport tr;
  Throws p;
  p.makeConnection(&tr);
  CHECK(p.transport() == &tr);
  CHECK_THROWS_AS(p.endConnection(Failure(ConnectionDone())), ValueError);
  CHECK(p.transport() == nullptr);
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ProtocolWrapper's disconnecting() follows its own requests and the real transport",
          "[protocols][protocol_wrapper][disconnecting]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));

  SECTION("the wrapped protocol loses the connection") {
    auto wrapper = build(*factory);
    StringTransport tr;
    tr.connect(*wrapper);
    ITransport& seen = *wrapper->wrappedProtocol().transport();
    CHECK_FALSE(seen.disconnecting());
    seen.loseConnection();
    CHECK(seen.disconnecting());
    CHECK(tr.disconnecting());
  }
  SECTION("the real transport closes on its own") {
    auto wrapper = build(*factory);
    StringTransport tr;
    tr.connect(*wrapper);
    ITransport& seen = *wrapper->wrappedProtocol().transport();
    tr.abortConnection();  // as a real transport that lost the connection
    CHECK(seen.disconnecting());
  }
  SECTION("after connectionLost") {
    auto wrapper = build(*factory);
    StringTransportWithDisconnection tr;
    tr.connect(*wrapper);
    ITransport* seen = wrapper->wrappedProtocol().transport();
    tr.loseConnection();
    REQUIRE(record.lost == 1);
    CHECK(seen->disconnecting());
  }
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("ProtocolWrapper delegates the write-buffer watermarks to the real transport",
          "[protocols][protocol_wrapper][watermarks]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto wrapper = build(*factory);
  testing::StringTransportOptions options;
  options.writeBufferLimit = 100;
  StringTransport tr(options);
  tr.connect(*wrapper);
  ITransport& seen = *wrapper->wrappedProtocol().transport();
  CHECK(seen.writeBufferWatermarks() == WriteBufferWatermarks{.high = 100, .low = 25});
  seen.setWriteBufferWatermarks({.high = 8, .low = 2});
  CHECK(tr.writeBufferWatermarks() == WriteBufferWatermarks{.high = 8, .low = 2});
  CHECK_THROWS_AS(seen.setWriteBufferWatermarks({.high = 1, .low = 2}), ValueError);
  CHECK(tr.writeBufferWatermarks() == WriteBufferWatermarks{.high = 8, .low = 2});
}
