#pragma once

// Scripted endpoints for the service tests: the test decides when an attempt connects or
// fails, and plays incoming connections, with StringTransportWithDisconnection as the wire.

#include <memory>
#include <utility>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/ilistening_port.hpp>
#include <torsion/transports/istream_client_endpoint.hpp>
#include <torsion/transports/istream_server_endpoint.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::test {

using testing::LossDelivery;
using testing::StringTransportOptions;
using testing::StringTransportWithDisconnection;

/// One connection attempt made through a FakeClientEndpoint.
class FakeAttempt final : public IConnector {
 public:
  FakeAttempt(std::shared_ptr<Factory> factory,
              IStreamClientEndpoint::ConnectedCallback onConnected,
              IStreamClientEndpoint::FailedCallback onFailed)
      : factory_(std::move(factory)),
        onConnected_(std::move(onConnected)),
        onFailed_(std::move(onFailed)) {}

  void stopConnecting() override { cancelled = true; }

  void disconnect() override {
    if (transport.protocol() != nullptr && transport.protocol()->connected()) {
      transport.loseConnection();
    } else {
      cancelled = true;
    }
  }

  void connect() override {}

  [[nodiscard]] Address getDestination() const override { return Address::ipv4("127.0.0.1", 1); }

  /// Connects: builds the protocol and runs its connectionMade over `transport`.
  StringTransportWithDisconnection& succeed() {
    protocol = factory_->buildProtocol(getDestination());
    transport.connect(*protocol);
    if (auto fn = std::exchange(onConnected_, nullptr)) {
      fn(*protocol);
    }
    return transport;
  }

  /// Fails the attempt with `reason`.
  void fail(const Failure& reason) {
    if (auto fn = std::exchange(onFailed_, nullptr)) {
      fn(reason);
    }
  }

  /// Reports a stopConnecting as the reactor would, on a later turn.
  void failCancelled() { fail(Failure(ConnectingCancelledError("cancelled"))); }

  bool cancelled = false;
  std::unique_ptr<Protocol> protocol;
  // connectionLost comes when the test calls deliverConnectionLost(), as on a later turn.
  StringTransportWithDisconnection transport{StringTransportOptions{}, LossDelivery::kOnRequest};

 private:
  std::shared_ptr<Factory> factory_;
  IStreamClientEndpoint::ConnectedCallback onConnected_;
  IStreamClientEndpoint::FailedCallback onFailed_;
};

/// A client endpoint whose attempts the test drives.
class FakeClientEndpoint final : public IStreamClientEndpoint {
 public:
  IConnector& connect(std::shared_ptr<Factory> factory, ConnectedCallback onConnected,
                      FailedCallback onFailed) override {
    attempts_->push_back(std::make_unique<FakeAttempt>(std::move(factory), std::move(onConnected),
                                                       std::move(onFailed)));
    return *attempts_->back();
  }

  /// The attempts, oldest first; shared so the test keeps them after the endpoint moved into
  /// the service.
  [[nodiscard]] std::shared_ptr<std::vector<std::unique_ptr<FakeAttempt>>> attempts() const {
    return attempts_;
  }

 private:
  std::shared_ptr<std::vector<std::unique_ptr<FakeAttempt>>> attempts_ =
      std::make_shared<std::vector<std::unique_ptr<FakeAttempt>>>();
};

/// A listening port that closes when the test says so.
class FakePort final : public IListeningPort {
 public:
  explicit FakePort(std::shared_ptr<Factory> listenFactory) : factory(std::move(listenFactory)) {}

  void stopListening(UniqueFunction<void()> onStopped) override {
    ++stopCalls;
    listening = false;
    if (!onStopped_) {
      onStopped_ = std::move(onStopped);
    }
  }

  [[nodiscard]] Address getHost() const override { return Address::ipv4("127.0.0.1", 8023); }

  /// Finishes closing, as the reactor does on a later turn.
  void finishClosing() {
    if (auto fn = std::exchange(onStopped_, nullptr)) {
      fn();
    }
  }

  /// Plays an incoming connection; the port keeps the protocol and transport.
  StringTransportWithDisconnection& accept() {
    auto& c = connections.emplace_back();
    c.protocol = factory->buildProtocol(Address::ipv4("127.0.0.1", 40000));
    c.transport = std::make_unique<StringTransportWithDisconnection>(StringTransportOptions{},
                                                                     LossDelivery::kOnRequest);
    c.transport->connect(*c.protocol);
    return *c.transport;
  }

  struct Connection {
    std::unique_ptr<Protocol> protocol;
    std::unique_ptr<StringTransportWithDisconnection> transport;
  };

  std::shared_ptr<Factory> factory;
  bool listening = true;
  int stopCalls = 0;
  std::vector<Connection> connections;

 private:
  UniqueFunction<void()> onStopped_;
};

/// A server endpoint that listens on FakePorts, or fails as told.
class FakeServerEndpoint final : public IStreamServerEndpoint {
 public:
  IListeningPort& listen(std::shared_ptr<Factory> factory) override {
    if (*failWith) {
      throw CannotListenError("Couldn't listen on 127.0.0.1:8023: Address already in use");
    }
    ports->push_back(std::make_unique<FakePort>(std::move(factory)));
    return *ports->back();
  }

  std::shared_ptr<std::vector<std::unique_ptr<FakePort>>> ports =
      std::make_shared<std::vector<std::unique_ptr<FakePort>>>();
  std::shared_ptr<bool> failWith = std::make_shared<bool>(false);
};

}  // namespace torsion::test
