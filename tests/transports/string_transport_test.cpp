// StringTransport: what it records (writes, close requests, addresses, TCP options, its own
// producer state), and StringTransportWithDisconnection's connectionLost delivery.
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "transports_test_support.hpp"

using namespace torsion;           // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;     // NOLINT(google-build-using-namespace): test file
using namespace torsion::testing;  // NOLINT(google-build-using-namespace): test file

TEST_CASE("StringTransport starts empty and open, with the documented default addresses",
          "[transports][string_transport]") {
  StringTransport tr;
  CHECK(tr.value().empty());
  CHECK(tr.unsent() == 0);
  CHECK_FALSE(tr.writeBufferLimit().has_value());
  CHECK_FALSE(tr.disconnecting());
  CHECK_FALSE(tr.aborted());
  CHECK_FALSE(tr.writeClosed());
  CHECK(tr.producer() == nullptr);
  CHECK_FALSE(tr.streaming());
  CHECK_FALSE(tr.producerPaused());
  CHECK(tr.producerState() == ProducerState::kProducing);
  CHECK(tr.getPeer() == Address::ipv4("127.0.0.1", 54321));
  CHECK(tr.getHost() == Address::ipv4("127.0.0.1", 12345));
  CHECK_FALSE(tr.getTcpNoDelay());
  CHECK_FALSE(tr.getTcpKeepAlive());
}

TEST_CASE("StringTransport returns the addresses it was given", "[transports][string_transport]") {
  StringTransportOptions options;
  options.peer = Address::ipv6("::1", 4000);
  options.host = Address::unixSocket("/run/test.sock");
  StringTransport tr(options);
  CHECK(tr.getPeer() == Address::ipv6("::1", 4000));
  CHECK(tr.getHost() == Address::unixSocket("/run/test.sock"));
}

TEST_CASE("StringTransport records writes in order until cleared",
          "[transports][string_transport]") {
  StringTransport tr;
  tr.write("hello ");
  const std::array<std::string_view, 3> pieces{"wor", "", "ld"};
  tr.writeSequence(pieces);
  CHECK(tr.value() == "hello world");
  CHECK(tr.unsent() == 0);  // unlimited: everything counts as sent at once
  tr.clear();
  CHECK(tr.value().empty());
  tr.write("again");
  CHECK(tr.value() == "again");
}

TEST_CASE("StringTransport drain takes bytes from the front of value()",
          "[transports][string_transport]") {
  StringTransport tr;
  tr.write("abcdef");
  CHECK(tr.drain(2) == "ab");
  CHECK(tr.value() == "cdef");
  CHECK(tr.drain(100) == "cdef");
  CHECK(tr.value().empty());
  CHECK(tr.drainAll().empty());
  tr.write("xyz");
  CHECK(tr.drainAll() == "xyz");
  CHECK(tr.value().empty());
}

TEST_CASE("connect calls makeConnection with the transport", "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransport tr;
  proto.onMade = [&tr](TestProtocol& self) {
    CHECK(self.transport() == &tr);
    self.transport()->write("greeting");
  };
  SECTION("member") {
    tr.connect(proto);
  }
  SECTION("free function") {
    connect(proto, tr);
  }
  CHECK(events.made == 1);
  CHECK(proto.transport() == &tr);
  CHECK(tr.value() == "greeting");
}

TEST_CASE("StringTransport ignores writes once a close or half-close was requested",
          "[transports][string_transport]") {
  StringTransport tr;
  tr.write("before");
  SECTION("loseConnection") {
    tr.loseConnection();
    CHECK(tr.disconnecting());
    CHECK_FALSE(tr.aborted());
  }
  SECTION("abortConnection") {
    tr.abortConnection();
    CHECK(tr.aborted());
    CHECK(tr.disconnecting());
  }
  SECTION("loseWriteConnection") {
    tr.loseWriteConnection();
    CHECK(tr.writeClosed());
    CHECK_FALSE(tr.disconnecting());
  }
  SECTION("stopProducing") {
    tr.stopProducing();
    CHECK(tr.disconnecting());
    CHECK(tr.producerState() == ProducerState::kStopped);
  }
  tr.write("after");
  const std::array<std::string_view, 1> more{"more"};
  tr.writeSequence(more);
  CHECK(tr.value() == "before");  // what was written before the close is still there
}

TEST_CASE("abortConnection after loseConnection upgrades the close",
          "[transports][string_transport]") {
  StringTransport tr;
  tr.loseConnection();
  tr.loseConnection();
  CHECK_FALSE(tr.aborted());
  tr.abortConnection();
  CHECK(tr.aborted());
  CHECK(tr.disconnecting());
}

TEST_CASE("StringTransport records the TCP options", "[transports][string_transport]") {
  StringTransport tr;
  tr.setTcpNoDelay(true);
  tr.setTcpKeepAlive(true);
  CHECK(tr.getTcpNoDelay());
  CHECK(tr.getTcpKeepAlive());
  tr.setTcpNoDelay(false);
  CHECK_FALSE(tr.getTcpNoDelay());
  CHECK(tr.getTcpKeepAlive());
}

TEST_CASE("StringTransport's own producer state follows what the protocol asks",
          "[transports][string_transport]") {
  StringTransport tr;
  tr.pauseProducing();
  CHECK(tr.producerState() == ProducerState::kPaused);
  tr.pauseProducing();  // pausing while paused does nothing
  CHECK(tr.producerState() == ProducerState::kPaused);
  tr.resumeProducing();
  CHECK(tr.producerState() == ProducerState::kProducing);
  tr.resumeProducing();
  CHECK(tr.producerState() == ProducerState::kProducing);
  tr.stopProducing();
  CHECK(tr.producerState() == ProducerState::kStopped);
  CHECK(tr.disconnecting());
  // Stopped is final: the real transport ignores these too once closing.
  tr.resumeProducing();
  CHECK(tr.producerState() == ProducerState::kStopped);
  tr.pauseProducing();
  CHECK(tr.producerState() == ProducerState::kStopped);
}

TEST_CASE("StringTransport rejects inconsistent watermarks", "[transports][string_transport]") {
  StringTransportOptions lowOnly;
  lowOnly.lowWatermark = 10;
  CHECK_THROWS_AS(StringTransport(lowOnly), ValueError);
  StringTransportOptions inverted;
  inverted.writeBufferLimit = 10;
  inverted.lowWatermark = 11;
  CHECK_THROWS_AS(StringTransport(inverted), ValueError);
  StringTransportOptions equal;
  equal.writeBufferLimit = 10;
  equal.lowWatermark = 10;
  CHECK_NOTHROW(StringTransport(equal));
}

TEST_CASE("a finite buffer counts written bytes as unsent until drained",
          "[transports][string_transport]") {
  StringTransportOptions options;
  options.writeBufferLimit = StringTransport::kHighWatermark;
  StringTransport tr(options);
  CHECK(tr.writeBufferLimit() == StringTransport::kHighWatermark);
  CHECK(tr.lowWatermark() == StringTransport::kLowWatermark);  // a quarter of the limit
  tr.write(std::string(100, 'x'));
  CHECK(tr.unsent() == 100);
  CHECK(tr.drain(40).size() == 40);
  CHECK(tr.unsent() == 60);
  tr.clear();
  CHECK(tr.unsent() == 0);
}

// ---- StringTransportWithDisconnection ----------------------------------------------------------

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("loseConnection delivers connectionLost(ConnectionDone) once and detaches",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransportWithDisconnection tr;
  tr.connect(proto);
  CHECK(tr.protocol() == &proto);
  bool transportDuringLost = false;
  proto.onLost = [&](TestProtocol& self, const Failure&) {
    transportDuringLost = self.transport() == &tr;
    // Re-entrant closes and writes from inside connectionLost change nothing.
    self.transport()->write("ignored");
    self.transport()->loseConnection();
    self.transport()->abortConnection();
  };
  tr.write("bye");
  tr.loseConnection();
  CHECK(events.lost == 1);
  REQUIRE(events.reason.has_value());
  CHECK(events.reason->check<ConnectionDone>());
  CHECK(transportDuringLost);
  CHECK(proto.transport() == nullptr);
  CHECK(tr.closed());
  REQUIRE(tr.reason().has_value());
  CHECK(tr.reason()->check<ConnectionDone>());
  CHECK(tr.value() == "bye");
  tr.loseConnection();
  tr.abortConnection();
  CHECK(events.lost == 1);
}

TEST_CASE("abortConnection delivers connectionLost(ConnectionAborted)",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransportWithDisconnection tr(proto);
  proto.makeConnection(&tr);
  tr.abortConnection();
  CHECK(events.lost == 1);
  REQUIRE(events.reason.has_value());
  CHECK(events.reason->check<ConnectionAborted>());
  CHECK(proto.transport() == nullptr);
  CHECK(tr.aborted());
}

TEST_CASE("a protocol closing itself from dataReceived is told once",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  proto.onData = [](TestProtocol& self, std::string_view data) {
    if (data == "QUIT") {
      self.transport()->write("221 bye");
      self.transport()->loseConnection();
    }
  };
  StringTransportWithDisconnection tr;
  connect(proto, tr);
  proto.dataReceived("QUIT");
  CHECK(tr.value() == "221 bye");
  CHECK(events.lost == 1);
  CHECK_FALSE(proto.connected());
}

namespace {

struct RecordingPushProducer final : IPushProducer {
  explicit RecordingPushProducer(std::vector<std::string>& log) : log_(log) {}

  void pauseProducing() override { log_.emplace_back("pause"); }

  void resumeProducing() override { log_.emplace_back("resume"); }

  void stopProducing() override { log_.emplace_back("stop"); }

 private:
  std::vector<std::string>& log_;
};

}  // namespace

TEST_CASE("loseConnection waits for the producer to unregister, as the real transport does",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransportWithDisconnection tr;
  tr.connect(proto);
  std::vector<std::string> log;
  RecordingPushProducer producer(log);
  tr.registerProducer(producer, true);
  tr.loseConnection();
  CHECK(tr.disconnecting());
  CHECK(events.lost == 0);
  tr.unregisterProducer();
  CHECK(events.lost == 1);
  CHECK(events.reason->check<ConnectionDone>());
  CHECK(log.empty());  // it had unregistered: nothing to stop
}

TEST_CASE("abortConnection stops a registered producer, then calls connectionLost",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransportWithDisconnection tr;
  tr.connect(proto);
  std::vector<std::string> log;
  RecordingPushProducer producer(log);
  proto.onLost = [&log](TestProtocol&, const Failure&) { log.emplace_back("lost"); };
  tr.registerProducer(producer, true);
  tr.loseConnection();
  tr.abortConnection();
  CHECK(log == std::vector<std::string>{"stop", "lost"});
  CHECK(tr.producer() == nullptr);
  CHECK(events.reason->check<ConnectionAborted>());
  // Registering after the connection is gone does nothing, as on the real transport.
  tr.registerProducer(producer, true);
  CHECK(tr.producer() == nullptr);
}

TEST_CASE("with a finite buffer, loseConnection completes when the test drains it",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransportOptions options;
  options.writeBufferLimit = 100;
  StringTransportWithDisconnection tr(proto, options);
  tr.connect(proto);
  tr.write("unsent");
  tr.loseConnection();
  CHECK(events.lost == 0);
  CHECK(tr.drain(3) == "uns");
  CHECK(events.lost == 0);
  CHECK(tr.drainAll() == "ent");
  CHECK(events.lost == 1);
  CHECK(events.reason->check<ConnectionDone>());
}

TEST_CASE("LossDelivery::kOnRequest runs connectionLost only when the test asks",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransportWithDisconnection tr(StringTransportOptions{}, LossDelivery::kOnRequest);
  tr.connect(proto);
  CHECK_FALSE(tr.deliverConnectionLost());
  tr.loseConnection();
  CHECK(tr.closePending());
  CHECK(tr.closed());
  CHECK(events.lost == 0);
  CHECK(proto.transport() == &tr);
  tr.write("dropped");  // the connection is closing: writes are ignored
  CHECK(tr.value().empty());

  SECTION("clean") {
    CHECK(tr.deliverConnectionLost());
    CHECK(events.reason->check<ConnectionDone>());
  }
  SECTION("an abort before delivery upgrades the reason") {
    tr.abortConnection();
    CHECK(tr.deliverConnectionLost());
    CHECK(events.reason->check<ConnectionAborted>());
  }
  CHECK(events.lost == 1);
  CHECK_FALSE(tr.closePending());
  CHECK(proto.transport() == nullptr);
  CHECK_FALSE(tr.deliverConnectionLost());
  CHECK(events.lost == 1);
}

TEST_CASE("afterConnectionLost runs after the protocol's connectionLost",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  StringTransportWithDisconnection tr;
  tr.connect(proto);
  int lostBefore = -1;
  bool detached = false;
  tr.afterConnectionLost([&](const Failure& reason) {
    lostBefore = events.lost;
    detached = proto.transport() == nullptr;
    CHECK(reason.check<ConnectionDone>());
  });
  tr.loseConnection();
  CHECK(lostBefore == 1);
  CHECK(detached);
}

TEST_CASE("an exception from connectionLost reaches the test after the protocol is detached",
          "[transports][string_transport]") {
  Events events;
  TestProtocol proto(events);
  proto.onLost = [](TestProtocol&, const Failure&) { throw std::runtime_error("boom"); };
  StringTransportWithDisconnection tr;
  tr.connect(proto);
  CHECK_THROWS_WITH(tr.loseConnection(), "boom");
  CHECK(events.lost == 1);
  CHECK(proto.transport() == nullptr);
  tr.abortConnection();
  CHECK(events.lost == 1);
}

TEST_CASE("StringTransportWithDisconnection without a protocol still records the close",
          "[transports][string_transport]") {
  StringTransportWithDisconnection tr;
  tr.loseConnection();
  CHECK(tr.closed());
  CHECK(tr.protocol() == nullptr);
}
