#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/application/backoff_policy.hpp>
#include <torsion/application/client_service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/reactor/clock.hpp>
#include <torsion/testing/deferred_assertions.hpp>
#include <torsion/testing/unhandled_failure_guard.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

#include "fake_endpoints.hpp"

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test file

using torsion::ClientService;
using torsion::Deferred;
using torsion::Protocol;
using torsion::test::FakeClientEndpoint;
using torsion::testing::failureResultOf;
using torsion::testing::successResultOf;

namespace {

class Greeter final : public Protocol {
 public:
  void connectionMade() override { transport()->write("hello"); }
};

/// A service on a fake endpoint with a retry delay of `attempt` seconds, so the test can read
/// which attempt a delay belonged to.
struct Fixture {
  Fixture() {
    auto endpoint = std::make_unique<FakeClientEndpoint>();
    attempts = endpoint->attempts();
    torsion::ClientServiceOptions options;
    options.retryPolicy = [this](int attempt) {
      policyCalls.push_back(attempt);
      return torsion::Seconds{static_cast<double>(attempt)};
    };
    service = std::make_unique<ClientService>(
        std::move(endpoint), torsion::Factory::forProtocol<Greeter>(), clock, options);
  }

  torsion::test::FakeAttempt& attempt(std::size_t i) { return *attempts->at(i); }

  torsion::Clock clock;
  std::vector<int> policyCalls;
  std::shared_ptr<std::vector<std::unique_ptr<torsion::test::FakeAttempt>>> attempts;
  std::unique_ptr<ClientService> service;
};

torsion::Failure refused() {
  return torsion::Failure(torsion::ConnectionRefusedError("refused"));
}

}  // namespace

TEST_CASE("ClientService connects on start and whenConnected hands out the protocol",
          "[application][client-service]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  Deferred<Protocol*> early = f.service->whenConnected();  // before start: waits
  CHECK(f.attempts->empty());
  f.service->startService();
  REQUIRE(f.attempts->size() == 1);
  CHECK_FALSE(early.called());

  auto& wire = f.attempt(0).succeed();
  CHECK(wire.value() == "hello");  // the user's connectionMade ran first
  Protocol* p = successResultOf(early);
  CHECK(dynamic_cast<Greeter*>(p) != nullptr);  // the user's protocol, not the wrapper
  CHECK(f.service->connectedProtocol() == p);

  Deferred<Protocol*> now = f.service->whenConnected();
  CHECK(successResultOf(now) == p);  // fired at once while connected

  Deferred<void> stopped = f.service->stopService();
  CHECK(wire.disconnecting());
  CHECK_FALSE(stopped.called());  // fires when the connection is closed, not before
  wire.deliverConnectionLost();
  successResultOf(stopped);
  CHECK(f.service->connectedProtocol() == nullptr);
}

TEST_CASE("ClientService retries a failed attempt after the policy's delay",
          "[application][client-service]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  f.service->startService();
  f.attempt(0).fail(refused());
  CHECK(f.policyCalls == std::vector<int>{1});
  CHECK(f.service->failedAttempts() == 1);
  f.clock.advance(0.999s);
  CHECK(f.attempts->size() == 1);
  f.clock.advance(0.001s);
  REQUIRE(f.attempts->size() == 2);

  f.attempt(1).fail(refused());
  CHECK(f.policyCalls == std::vector<int>{1, 2});
  f.clock.advance(2s);
  REQUIRE(f.attempts->size() == 3);

  Deferred<Protocol*> connected = f.service->whenConnected();
  f.attempt(2).succeed();
  CHECK(successResultOf(connected) != nullptr);
  CHECK(f.service->failedAttempts() == 0);  // a success resets the count

  Deferred<void> stopped = f.service->stopService();
  f.attempt(2).transport.deliverConnectionLost();
  successResultOf(stopped);
}

TEST_CASE("ClientService reconnects after the connection is lost",
          "[application][client-service]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  f.service->startService();
  f.attempt(0).succeed();
  Deferred<Protocol*> first = f.service->whenConnected();
  Protocol* p1 = successResultOf(first);

  f.attempt(0).transport.loseConnection();  // the peer went away
  f.attempt(0).transport.deliverConnectionLost();
  CHECK(f.service->connectedProtocol() == nullptr);
  CHECK(f.policyCalls == std::vector<int>{1});
  Deferred<Protocol*> next = f.service->whenConnected();
  CHECK_FALSE(next.called());
  f.clock.advance(1s);
  REQUIRE(f.attempts->size() == 2);
  f.attempt(1).succeed();
  Protocol* p2 = successResultOf(next);
  CHECK(p2 != nullptr);
  CHECK(p2 != p1);

  Deferred<void> stopped = f.service->stopService();
  f.attempt(1).transport.deliverConnectionLost();
  successResultOf(stopped);
}

TEST_CASE("ClientService's whenConnected fails after failAfterFailures failed attempts",
          "[application][client-service]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  f.service->startService();
  Deferred<Protocol*> patient = f.service->whenConnected();
  Deferred<Protocol*> afterTwo = f.service->whenConnected(2);
  Deferred<Protocol*> afterOne = f.service->whenConnected(1);
  CHECK_THROWS_AS(f.service->whenConnected(0), torsion::ValueError);

  f.attempt(0).fail(refused());
  failureResultOf<torsion::ConnectionRefusedError>(afterOne);
  CHECK_FALSE(afterTwo.called());
  f.clock.advance(1s);
  f.attempt(1).fail(refused());
  failureResultOf<torsion::ConnectionRefusedError>(afterTwo);
  CHECK_FALSE(patient.called());

  // Stopping fails the waiters that are left with CancelledError.
  Deferred<void> stopped = f.service->stopService();
  successResultOf(stopped);  // it was waiting to retry: nothing to close
  failureResultOf<torsion::CancelledError>(patient);
  f.clock.advance(60s);
  CHECK(f.attempts->size() == 2);  // the pending retry was cancelled
  CHECK(f.clock.getDelayedCalls().empty());
  Deferred<Protocol*> late = f.service->whenConnected();
  failureResultOf<torsion::CancelledError>(late);
}

TEST_CASE("ClientService stopped while connecting cancels the attempt and fires once it ended",
          "[application][client-service]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  f.service->startService();
  Deferred<Protocol*> waiting = f.service->whenConnected();
  Deferred<void> stopped = f.service->stopService();
  CHECK(f.attempt(0).cancelled);
  failureResultOf<torsion::CancelledError>(waiting);
  CHECK_FALSE(stopped.called());
  f.attempt(0).failCancelled();
  successResultOf(stopped);
  CHECK(f.clock.getDelayedCalls().empty());  // no retry after a stop
}

TEST_CASE("ClientService started again while stopping reconnects once the stop completed",
          "[application][client-service]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  f.service->startService();
  f.attempt(0).succeed();
  Deferred<void> stopped = f.service->stopService();
  f.service->startService();
  CHECK(f.attempts->size() == 1);
  f.attempt(0).transport.deliverConnectionLost();
  successResultOf(stopped);
  REQUIRE(f.attempts->size() == 2);  // connected again at once, no backoff
  Deferred<Protocol*> again = f.service->whenConnected();
  f.attempt(1).succeed();
  CHECK(successResultOf(again) != nullptr);
  Deferred<void> last = f.service->stopService();
  f.attempt(1).transport.deliverConnectionLost();
  successResultOf(last);
}

TEST_CASE("destroying a ClientService abandons its attempt and cancels its waiters",
          "[application][client-service]") {
  torsion::testing::UnhandledFailureGuard guard;
  Fixture f;
  f.service->startService();
  Deferred<Protocol*> waiting = f.service->whenConnected();
  auto attempts = f.attempts;
  f.service.reset();
  CHECK(attempts->at(0)->cancelled);
  failureResultOf<torsion::CancelledError>(waiting);
  attempts->at(0)->failCancelled();  // reported after the service died: ignored safely
}

// NOLINTNEXTLINE(readability-function-cognitive-complexity): Catch2 assertion macros
TEST_CASE("backoffPolicy grows by factor up to maxDelay, plus jitter", "[application][backoff]") {
  torsion::RetryPolicy policy = torsion::backoffPolicy({.jitter = [] { return 0.0; }});
  CHECK(policy(0).count() == Approx(1.0));
  CHECK(policy(1).count() == Approx(1.5));
  CHECK(policy(2).count() == Approx(2.25));
  CHECK(policy(50).count() == Approx(60.0));
  CHECK(policy(1000).count() == Approx(60.0));  // no overflow for huge attempt counts

  torsion::RetryPolicy custom = torsion::backoffPolicy(
      {.initialDelay = 0.5s, .maxDelay = 4s, .factor = 2.0, .jitter = [] { return 0.25; }});
  CHECK(custom(3).count() == Approx(4.25));

  // Seeded jitter is reproducible and within [0, 1).
  torsion::RetryPolicy a = torsion::backoffPolicy({.jitter = torsion::seededJitter(7)});
  torsion::RetryPolicy b = torsion::backoffPolicy({.jitter = torsion::seededJitter(7)});
  for (int attempt = 1; attempt <= 20; ++attempt) {
    double delay = a(attempt).count();
    CHECK(delay == b(attempt).count());
    double base = std::min(std::pow(1.5, attempt), 60.0);
    CHECK(delay >= base);
    CHECK(delay < base + 1.0);
  }
  // The default jitter, random, is within [0, 1) too.
  torsion::RetryPolicy fallback = torsion::backoffPolicy();
  CHECK(fallback(1).count() >= 1.5);
  CHECK(fallback(1).count() < 2.5);
}
