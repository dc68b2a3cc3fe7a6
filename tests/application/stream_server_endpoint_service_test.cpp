#include <chrono>
#include <memory>
#include <optional>

#include <catch2/catch.hpp>

#include <torsion/application/multi_service.hpp>
#include <torsion/application/stream_server_endpoint_service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

#include "fake_endpoints.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::Deferred;
using torsion::StreamServerEndpointService;
using torsion::test::FakeServerEndpoint;
using torsion::testing::successResultOf;

namespace {

class Greeter final : public torsion::Protocol {
 public:
  void connectionMade() override { transport()->write("hi\n"); }
};

/// A service on a fake endpoint; the test reaches the ports the endpoint opened.
struct Fixture {
  explicit Fixture(std::optional<torsion::DrainOptions> drain = std::nullopt) {
    auto endpoint = std::make_unique<FakeServerEndpoint>();
    ports = endpoint->ports;
    failListen = endpoint->failWith;
    service = std::make_unique<StreamServerEndpointService>(
        std::move(endpoint), torsion::Factory::forProtocol<Greeter>(), drain);
  }

  torsion::test::FakePort& port() { return *ports->at(0); }

  std::shared_ptr<std::vector<std::unique_ptr<torsion::test::FakePort>>> ports;
  std::shared_ptr<bool> failListen;
  std::unique_ptr<StreamServerEndpointService> service;
};

}  // namespace

TEST_CASE("StreamServerEndpointService listens on start and its stop fires once the port closed",
          "[application][stream-server]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  CHECK(f.ports->empty());
  f.service->privilegedStartService();  // Twisted listens here, before dropping privileges
  REQUIRE(f.ports->size() == 1);
  f.service->startService();
  CHECK(f.ports->size() == 1);  // not twice
  CHECK(f.service->running());
  CHECK(f.service->port() == &f.port());

  auto& wire = f.port().accept();
  CHECK(wire.value() == "hi\n");             // the factory's protocol is used as is
  CHECK(f.service->connectionCount() == 0);  // without DrainOptions, connections are untracked

  Deferred<void> stopped = f.service->stopService();
  CHECK_FALSE(f.port().listening);
  CHECK_FALSE(stopped.called());
  f.port().finishClosing();
  successResultOf(stopped);
  CHECK(f.service->port() == nullptr);
  CHECK_FALSE(wire.disconnecting());  // Twisted's rule: connections outlive the port
}

TEST_CASE("StreamServerEndpointService lets CannotListenError out of startService",
          "[application][stream-server]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  *f.failListen = true;
  CHECK_THROWS_AS(f.service->startService(), torsion::CannotListenError);
  CHECK_FALSE(f.service->running());
  Deferred<void> stopped = f.service->stopService();  // harmless
  successResultOf(stopped);

  // Inside a MultiService, the error comes out of the parent's start.
  torsion::MultiService root;
  Fixture g;
  *g.failListen = true;
  root.addService(std::move(g.service));
  CHECK_THROWS_AS(root.startService(), torsion::CannotListenError);
}

TEST_CASE("StreamServerEndpointService with DrainOptions closes connections and waits for them",
          "[application][stream-server]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::Clock clock;
  Fixture f(torsion::DrainOptions{.clock = &clock, .timeout = 5s});
  f.service->startService();
  auto& a = f.port().accept();
  auto& b = f.port().accept();
  CHECK(a.value() == "hi\n");
  CHECK(f.service->connectionCount() == 2);

  Deferred<void> stopped = f.service->stopService();
  CHECK(a.disconnecting());  // asked to finish: loseConnection sends what was written
  CHECK(b.disconnecting());
  f.port().finishClosing();
  a.deliverConnectionLost();
  CHECK_FALSE(stopped.called());  // b is still open
  b.deliverConnectionLost();
  CHECK(f.service->connectionCount() == 0);
  CHECK_FALSE(stopped.called());  // fires on the next turn, not inside connectionLost
  clock.advance(0s);
  successResultOf(stopped);
  CHECK(clock.getDelayedCalls().empty());  // the drain timer was cancelled
}

TEST_CASE("StreamServerEndpointService aborts connections still open after the drain timeout",
          "[application][stream-server]") {
  torsion::testing::UnhandledFailureGuard guard;
  torsion::Clock clock;
  Fixture f(torsion::DrainOptions{.clock = &clock, .timeout = 5s});
  f.service->startService();
  auto& slow = f.port().accept();
  Deferred<void> stopped = f.service->stopService();
  f.port().finishClosing();
  clock.advance(4.9s);
  CHECK_FALSE(slow.aborted());
  CHECK_FALSE(stopped.called());
  clock.advance(0.1s);
  CHECK(slow.aborted());
  slow.deliverConnectionLost();
  clock.advance(0s);
  successResultOf(stopped);
}

TEST_CASE("StreamServerEndpointService rejects null arguments and a drain without a clock",
          "[application][stream-server]") {
  CHECK_THROWS_AS(StreamServerEndpointService(nullptr, torsion::Factory::forProtocol<Greeter>()),
                  torsion::ValueError);
  CHECK_THROWS_AS(StreamServerEndpointService(std::make_unique<FakeServerEndpoint>(), nullptr),
                  torsion::ValueError);
  CHECK_THROWS_AS(StreamServerEndpointService(std::make_unique<FakeServerEndpoint>(),
                                              torsion::Factory::forProtocol<Greeter>(),
                                              torsion::DrainOptions{}),
                  torsion::ValueError);
}
