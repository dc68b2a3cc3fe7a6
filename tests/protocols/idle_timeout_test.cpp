#include <chrono>
#include <optional>
#include <string_view>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/idle_timeout.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>

namespace {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file
using torsion::IdleTimeout;
using torsion::Seconds;
using torsion::testing::StringTransport;

// A line protocol that hangs up after 10 s without a line, the way docs/protocols.md shows.
class Quiet : public torsion::LineReceiver {
 public:
  explicit Quiet(torsion::IReactorTime& clock) : idle(clock, *this) {}

  void connectionMade() override { idle.setTimeout(10s); }

  void lineReceived(std::string_view line) override {
    (void)line;
    idle.resetTimeout();
  }

  void connectionLost(const torsion::Failure& reason) override {
    (void)reason;
    idle.cancel();
  }

  IdleTimeout idle;
};

TEST_CASE("IdleTimeout loses the connection once the period passes without traffic",
          "[protocols][idle_timeout]") {
  torsion::Clock clock;
  StringTransport tr;
  Quiet proto(clock);
  proto.makeConnection(&tr);
  REQUIRE(proto.idle.active());
  REQUIRE(proto.idle.timeout() == std::optional<Seconds>(10s));

  clock.advance(9s);
  REQUIRE_FALSE(tr.disconnecting());
  clock.advance(1s);
  REQUIRE(tr.disconnecting());
  REQUIRE_FALSE(proto.idle.active());
  REQUIRE(clock.getDelayedCalls().empty());
}

TEST_CASE("IdleTimeout restarts the countdown on resetTimeout", "[protocols][idle_timeout]") {
  torsion::Clock clock;
  StringTransport tr;
  Quiet proto(clock);
  proto.makeConnection(&tr);

  clock.advance(5s);
  proto.dataReceived("hello\r\n");
  clock.advance(9s);
  REQUIRE_FALSE(tr.disconnecting());
  clock.advance(1s);
  REQUIRE(tr.disconnecting());
  REQUIRE(clock.seconds() == 15.0);
}

TEST_CASE("IdleTimeout setTimeout returns the old period, changes it, and stops it with nullopt",
          "[protocols][idle_timeout]") {
  torsion::Clock clock;
  StringTransport tr;
  Quiet proto(clock);
  proto.makeConnection(&tr);

  clock.advance(3s);
  REQUIRE(proto.idle.setTimeout(20s) == std::optional<Seconds>(10s));  // restarts from now
  clock.advance(19s);
  REQUIRE_FALSE(tr.disconnecting());

  REQUIRE(proto.idle.setTimeout(std::nullopt) == std::optional<Seconds>(20s));
  REQUIRE_FALSE(proto.idle.active());
  REQUIRE(clock.getDelayedCalls().empty());
  proto.idle.resetTimeout();  // stopped: does nothing
  REQUIRE(clock.getDelayedCalls().empty());
  clock.advance(100s);
  REQUIRE_FALSE(tr.disconnecting());

  REQUIRE(proto.idle.setTimeout(std::nullopt) == std::nullopt);
  REQUIRE_THROWS_AS(proto.idle.setTimeout(Seconds{-1}), torsion::ValueError);
  REQUIRE(proto.idle.timeout() == std::nullopt);
}

TEST_CASE("IdleTimeout is one-shot: resetTimeout after it fired does nothing until setTimeout",
          "[protocols][idle_timeout]") {
  torsion::Clock clock;
  int fired = 0;
  torsion::LineReceiver proto;
  IdleTimeout idle(clock, proto, [&fired] { ++fired; });
  REQUIRE(idle.setTimeout(1s) == std::nullopt);
  clock.advance(1s);
  REQUIRE(fired == 1);
  idle.resetTimeout();
  REQUIRE(clock.getDelayedCalls().empty());
  REQUIRE(idle.timeout() == std::optional<Seconds>(1s));
  REQUIRE(idle.setTimeout(2s) == std::optional<Seconds>(1s));
  clock.advance(2s);
  REQUIRE(fired == 2);
}

TEST_CASE("IdleTimeout runs a custom timeoutConnection instead of losing the connection",
          "[protocols][idle_timeout]") {
  torsion::Clock clock;
  StringTransport tr;
  torsion::LineReceiver proto;
  proto.makeConnection(&tr);
  IdleTimeout idle(clock, proto, [&proto] { proto.sendLine("bye"); });
  idle.setTimeout(5s);
  clock.advance(5s);
  REQUIRE(tr.value() == "bye\r\n");
  REQUIRE_FALSE(tr.disconnecting());
}

TEST_CASE("IdleTimeout is cancelled by connectionLost and by its destructor",
          "[protocols][idle_timeout]") {
  torsion::Clock clock;
  SECTION("the protocol's connectionLost cancels it") {
    torsion::testing::StringTransportWithDisconnection tr;
    Quiet proto(clock);
    tr.connect(proto);
    REQUIRE(clock.getDelayedCalls().size() == 1);
    tr.loseConnection();
    REQUIRE(clock.getDelayedCalls().empty());
  }
  SECTION("destroying the protocol cancels it") {
    {
      StringTransport tr;
      Quiet proto(clock);
      proto.makeConnection(&tr);
      REQUIRE(clock.getDelayedCalls().size() == 1);
    }
    REQUIRE(clock.getDelayedCalls().empty());
    clock.advance(60s);  // nothing runs on the destroyed protocol
  }
  SECTION("firing after the transport is gone does nothing") {
    torsion::LineReceiver proto;  // never connected
    IdleTimeout idle(clock, proto);
    idle.setTimeout(1s);
    clock.advance(1s);
    REQUIRE_FALSE(idle.active());
  }
}

}  // namespace
