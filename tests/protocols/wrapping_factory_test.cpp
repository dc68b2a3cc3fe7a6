// WrappingFactory: building, refusing, and forwarding the factory hooks.
#include <memory>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/protocols/wrapping_factory.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/errors.hpp>

#include "policies_test_support.hpp"

using namespace torsion;        // NOLINT(google-build-using-namespace): test file
using namespace torsion::test;  // NOLINT(google-build-using-namespace): test file

namespace {

const Address kPeer = Address::ipv4("127.0.0.1", 40000);

// A ClientFactory that counts each hook.
class CountingClientFactory final : public ClientFactory {
 public:
  explicit CountingClientFactory(Record& record) : record_(record) {}

  std::unique_ptr<Protocol> buildProtocol(const Address& /*addr*/) override {
    return std::make_unique<Recorder>(record_);
  }

  void startFactory() override { ++started; }

  void stopFactory() override { ++stopped; }

  void startedConnecting(IConnector& /*connector*/) override { ++connecting; }

  void clientConnectionFailed(IConnector& /*connector*/, const Failure& /*reason*/) override {
    ++failed;
  }

  void clientConnectionLost(IConnector& /*connector*/, const Failure& /*reason*/) override {
    ++lost;
  }

  int started = 0;
  int stopped = 0;
  int connecting = 0;
  int failed = 0;
  int lost = 0;

 private:
  Record& record_;
};

}  // namespace

TEST_CASE("WrappingFactory wraps the wrapped factory's protocol", "[protocols][wrapping_factory]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  auto p = factory->buildProtocol(kPeer);
  auto* wrapper = dynamic_cast<ProtocolWrapper*>(p.get());
  REQUIRE(wrapper != nullptr);
  CHECK(dynamic_cast<Recorder*>(&wrapper->wrappedProtocol()) != nullptr);
  CHECK(&wrapper->factory() == factory.get());
}

TEST_CASE("WrappingFactory refuses when the wrapped factory refuses",
          "[protocols][wrapping_factory]") {
  auto refusing = Factory::fromFunction([](const Address&) { return std::unique_ptr<Protocol>(); });
  auto factory = std::make_shared<WrappingFactory>(refusing);
  CHECK(factory->buildProtocol(kPeer) == nullptr);
}

TEST_CASE("WrappingFactory needs a shared_ptr owner and a wrapped factory",
          "[protocols][wrapping_factory]") {
  Record record;
  WrappingFactory unowned(recorderFactory(record));
  CHECK_THROWS_AS(unowned.buildProtocol(kPeer), ValueError);
  CHECK_THROWS_AS(WrappingFactory(nullptr), ValueError);
}

TEST_CASE("WrappingFactory starts and stops the wrapped factory and forwards the client hooks",
          "[protocols][wrapping_factory]") {
  Record record;
  auto inner = std::make_shared<CountingClientFactory>(record);
  auto factory = std::make_shared<WrappingFactory>(inner);
  RecordingConnector connector;

  factory->doStart();
  factory->doStart();  // a second port: counted, no second start
  CHECK(inner->started == 1);
  factory->startedConnecting(connector);
  factory->clientConnectionFailed(connector, Failure(ConnectionRefusedError("refused")));
  factory->clientConnectionLost(connector, Failure(ConnectionLost("lost")));
  CHECK(inner->connecting == 1);
  CHECK(inner->failed == 1);
  CHECK(inner->lost == 1);
  factory->doStop();
  CHECK(inner->stopped == 0);
  factory->doStop();
  CHECK(inner->stopped == 1);
}

TEST_CASE("WrappingFactory ignores the client hooks when the wrapped factory is not a client",
          "[protocols][wrapping_factory]") {
  Record record;
  auto factory = std::make_shared<WrappingFactory>(recorderFactory(record));
  RecordingConnector connector;
  factory->startedConnecting(connector);
  factory->clientConnectionFailed(connector, Failure(ConnectionRefusedError("refused")));
  CHECK(connector.connects == 0);
}
