#include <exception>
#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/testing/fake_connector.hpp>
#include <torsion/testing/memory_reactor.hpp>
#include <torsion/transports/errors.hpp>

namespace torsion::testing {

FakeConnector::FakeConnector(MemoryReactor& reactor, Address destination,
                             std::shared_ptr<ClientFactory> factory)
    : reactor_(reactor), destination_(std::move(destination)), factory_(std::move(factory)) {}

FakeConnector::~FakeConnector() = default;

void FakeConnector::requireConnecting(const char* what) const {
  if (state_ != ConnectorState::kConnecting) {
    throw ValueError(fmt::format("FakeConnector::{}: no attempt to {} is in progress", what,
                                 destination_.toString()));
  }
}

void FakeConnector::start() {
  if (state_ != ConnectorState::kConnecting || started_) {
    return;
  }
  started_ = true;
  if (!factoryStarted_) {
    factoryStarted_ = true;
    factory_->doStart();
  }
  factory_->startedConnecting(*this);
}

StringTransportWithDisconnection* FakeConnector::succeed() {
  requireConnecting("succeed");
  if (cancelled_) {
    throw ValueError(
        fmt::format("FakeConnector::succeed: the attempt to {} was cancelled by stopConnecting",
                    destination_.toString()));
  }
  start();
  if (state_ != ConnectorState::kConnecting || cancelled_) {
    return nullptr;  // startedConnecting stopped or resolved the attempt itself
  }
  std::unique_ptr<Protocol> protocol;
  try {
    protocol = factory_->buildProtocol(destination_);
  } catch (...) {
    failNow(Failure::current());
    return nullptr;
  }
  if (!protocol) {
    failNow(Failure(ConnectError(fmt::format(
        "connecting to {}: buildProtocol refused the connection", destination_.toString()))));
    return nullptr;
  }
  StringTransportOptions options;
  options.peer = destination_;
  if (destination_.family() == AddressFamily::kUnix) {
    options.host = Address::unixSocket("");  // an unnamed client socket, as the kernel gives
  }
  auto transport = std::make_unique<StringTransportWithDisconnection>(options);
  StringTransportWithDisconnection* made = transport.get();
  Protocol& proto = *protocol;
  connections_.emplace_back(std::move(protocol), std::move(transport));
  state_ = ConnectorState::kConnected;
  current_ = made;
  made->afterConnectionLost([this](const Failure& reason) { lost(reason); });
  made->connect(proto);
  return made;
}

void FakeConnector::fail(const Failure& reason) {
  requireConnecting("fail");
  start();
  if (state_ != ConnectorState::kConnecting) {
    return;  // startedConnecting resolved the attempt itself
  }
  failNow(reason);
}

void FakeConnector::failNow(const Failure& reason) {
  state_ = ConnectorState::kDisconnected;
  cancelled_ = false;
  factory_->clientConnectionFailed(*this, reason);
  finishIfIdle();
}

void FakeConnector::settle(int attempt) {
  if (attempt != attempts_ || state_ != ConnectorState::kConnecting) {
    return;  // that attempt is over (resolved by the test, or a newer one started)
  }
  start();
  if (attempt != attempts_ || state_ != ConnectorState::kConnecting) {
    return;
  }
  if (cancelled_) {
    failNow(Failure(ConnectingCancelledError(
        fmt::format("connecting to {}: stopped by stopConnecting()", destination_.toString()))));
    return;
  }
  switch (reactor_.connectOutcome()) {
    case ConnectOutcome::kPending:
      return;
    case ConnectOutcome::kSucceed:
      succeed();
      return;
    case ConnectOutcome::kFail:
      failNow(reactor_.connectFailure().value_or(Failure(ConnectionRefusedError(
          fmt::format("connecting to {}: connection refused", destination_.toString())))));
      return;
  }
}

void FakeConnector::stopConnecting() {
  if (state_ != ConnectorState::kConnecting || cancelled_) {
    return;
  }
  ++stopCalls_;
  cancelled_ = true;
  reactor_.scheduleSettle(*this, attempts_);  // reported on a later turn, never inside this call
}

void FakeConnector::disconnect() {
  ++disconnectCalls_;
  if (state_ == ConnectorState::kConnecting) {
    stopConnecting();
  } else if (state_ == ConnectorState::kConnected && current_ != nullptr) {
    current_->loseConnection();
  }
}

void FakeConnector::connect() {
  if (state_ != ConnectorState::kDisconnected) {
    throw ValueError(fmt::format(
        "FakeConnector::connect: the connector to {} is already connecting or connected",
        destination_.toString()));
  }
  state_ = ConnectorState::kConnecting;
  ++attempts_;
  started_ = false;
  cancelled_ = false;
  reactor_.scheduleSettle(*this, attempts_);
}

void FakeConnector::lost(const Failure& reason) {
  current_ = nullptr;
  state_ = ConnectorState::kDisconnected;
  factory_->clientConnectionLost(*this, reason);
  finishIfIdle();
}

void FakeConnector::finishIfIdle() {
  if (state_ == ConnectorState::kDisconnected && factoryStarted_) {
    factoryStarted_ = false;
    factory_->doStop();
  }
}

std::vector<StringTransportWithDisconnection*> FakeConnector::transports() const {
  std::vector<StringTransportWithDisconnection*> out;
  out.reserve(connections_.size());
  for (const auto& connection : connections_) {
    out.push_back(connection.second.get());
  }
  return out;
}

}  // namespace torsion::testing
