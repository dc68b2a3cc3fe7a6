#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>

#include <torsion/reactor/errors.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ihalf_closeable_protocol.hpp>
#include <torsion/transports/protocol.hpp>
#include <torsion/transports/reactor.hpp>

#include "../reactor/reactor_test_support.hpp"

namespace torsion::test {

using namespace std::chrono_literals;  // NOLINT(google-build-using-namespace): test helper

/// A reactor for one test, with a stop that may be requested more than once.
struct Harness {
  explicit Harness(ReactorBackend backend) : reactor(quietOptions(backend)) {}

  /// Stops the reactor unless it is already stopping (hooks may ask more than once).
  void stop() {
    if (!stopRequested) {
      stopRequested = true;
      try {
        reactor.stop();
      } catch (const ReactorNotRunning&) {  // NOLINT(bugprone-empty-catch): already stopping
      }
    }
  }

  /// Runs until stopped, bounded by the reactor's own timer; then checks nothing is left open.
  void run(Seconds limit = std::chrono::seconds{20}) {
    runBounded(reactor, limit);
    CHECK(reactor.liveTransports() == 0);
  }

  Reactor reactor;
  bool stopRequested = false;
};

/// What a TestProtocol saw.
struct Events {
  std::string received;
  int made = 0;
  int dataCalls = 0;
  int lost = 0;
  int readLost = 0;
  bool destroyed = false;
  std::optional<Failure> reason;
};

/// A protocol whose hooks are set per test; it records into an Events the test owns.
class TestProtocol : public Protocol {
 public:
  explicit TestProtocol(Events& events) : events_(events) {}

  ~TestProtocol() override { events_.destroyed = true; }

  TestProtocol(const TestProtocol&) = delete;
  TestProtocol& operator=(const TestProtocol&) = delete;
  TestProtocol(TestProtocol&&) = delete;
  TestProtocol& operator=(TestProtocol&&) = delete;

  void connectionMade() override {
    ++events_.made;
    if (onMade) {
      onMade(*this);
    }
  }

  void dataReceived(std::string_view data) override {
    ++events_.dataCalls;
    events_.received.append(data);
    if (onData) {
      onData(*this, data);
    }
  }

  void connectionLost(const Failure& reason) override {
    ++events_.lost;
    events_.reason.emplace(reason);
    if (onLost) {
      onLost(*this, reason);
    }
  }

  std::function<void(TestProtocol&)> onMade;
  std::function<void(TestProtocol&, std::string_view)> onData;
  std::function<void(TestProtocol&, const Failure&)> onLost;

 protected:
  Events& events_;  // NOLINT: shared with the half-closeable subclass
};

/// A TestProtocol that opts into half-close.
class HalfCloseProtocol final : public TestProtocol, public IHalfCloseableProtocol {
 public:
  using TestProtocol::TestProtocol;

  void readConnectionLost() override {
    ++events_.readLost;
    if (onReadLost) {
      onReadLost(*this);
    }
  }

  std::function<void(HalfCloseProtocol&)> onReadLost;
};

/// Writes back every byte.
class EchoProtocol final : public Protocol {
 public:
  void dataReceived(std::string_view data) override { transport()->write(data); }
};

/// A server factory building TestProtocols configured by `setup`.
template <class P = TestProtocol>
std::shared_ptr<Factory> testFactory(Events& events, std::function<void(P&)> setup = {}) {
  return Factory::fromFunction([&events, setup = std::move(setup)](const Address&) {
    auto p = std::make_unique<P>(events);
    if (setup) {
      setup(*p);
    }
    return std::unique_ptr<Protocol>(std::move(p));
  });
}

/// A client factory that records what the connector reports and builds TestProtocols.
class TestClientFactory final : public ClientFactory {
 public:
  explicit TestClientFactory(Events& events, std::function<void(TestProtocol&)> setup = {})
      : events_(events), setup_(std::move(setup)) {}

  std::unique_ptr<Protocol> buildProtocol(const Address& /*addr*/) override {
    ++built;
    auto p = std::make_unique<TestProtocol>(events_);
    if (setup_) {
      setup_(*p);
    }
    return p;
  }

  void startFactory() override { ++started; }

  void stopFactory() override { ++stopped; }

  void startedConnecting(IConnector& /*connector*/) override { ++connecting; }

  void clientConnectionFailed(IConnector& connector, const Failure& reason) override {
    ++failed;
    failure.emplace(reason);
    if (onFailed) {
      onFailed(connector, reason);
    }
  }

  void clientConnectionLost(IConnector& connector, const Failure& reason) override {
    ++lostCount;
    if (onLost) {
      onLost(connector, reason);
    }
  }

  int built = 0;
  int started = 0;
  int stopped = 0;
  int connecting = 0;
  int failed = 0;
  int lostCount = 0;
  std::optional<Failure> failure;
  std::function<void(IConnector&, const Failure&)> onFailed;
  std::function<void(IConnector&, const Failure&)> onLost;

 private:
  Events& events_;
  std::function<void(TestProtocol&)> setup_;
};

/// A pattern of `size` bytes that shows reordering or loss.
inline std::string pattern(std::size_t size) {
  std::string s(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  }
  return s;
}

}  // namespace torsion::test
