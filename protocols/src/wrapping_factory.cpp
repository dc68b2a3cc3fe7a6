#include <algorithm>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/protocols/wrapping_factory.hpp>

namespace torsion {

WrappingFactory::WrappingFactory(std::shared_ptr<Factory> wrappedFactory)
    : wrappedFactory_(std::move(wrappedFactory)) {
  if (!wrappedFactory_) {
    throw ValueError("WrappingFactory: the wrapped factory is null");
  }
}

std::unique_ptr<Protocol> WrappingFactory::buildProtocol(const Address& addr) {
  auto wrapped = wrappedFactory_->buildProtocol(addr);
  if (!wrapped) {
    return nullptr;  // the wrapped factory refused: so do we
  }
  return wrapProtocol(std::move(wrapped));
}

std::unique_ptr<ProtocolWrapper> WrappingFactory::wrapProtocol(std::unique_ptr<Protocol> wrapped) {
  return std::make_unique<ProtocolWrapper>(sharedSelf(), std::move(wrapped));
}

std::shared_ptr<WrappingFactory> WrappingFactory::sharedSelf() {
  auto self = weak_from_this().lock();
  if (!self) {
    throw ValueError(
        "WrappingFactory: not owned by a std::shared_ptr (make it with std::make_shared)");
  }
  return self;
}

void WrappingFactory::startFactory() {
  wrappedFactory_->doStart();
}

void WrappingFactory::stopFactory() {
  wrappedFactory_->doStop();
}

void WrappingFactory::startedConnecting(IConnector& connector) {
  if (auto* client = dynamic_cast<ClientFactory*>(wrappedFactory_.get()); client != nullptr) {
    client->startedConnecting(connector);
  }
}

void WrappingFactory::clientConnectionFailed(IConnector& connector, const Failure& reason) {
  if (auto* client = dynamic_cast<ClientFactory*>(wrappedFactory_.get()); client != nullptr) {
    client->clientConnectionFailed(connector, reason);
  }
}

void WrappingFactory::clientConnectionLost(IConnector& connector, const Failure& reason) {
  if (auto* client = dynamic_cast<ClientFactory*>(wrappedFactory_.get()); client != nullptr) {
    client->clientConnectionLost(connector, reason);
  }
}

void WrappingFactory::registerProtocol(ProtocolWrapper& protocol) {
  protocols_.push_back(&protocol);
}

void WrappingFactory::unregisterProtocol(ProtocolWrapper& protocol) noexcept {
  protocols_.erase(std::remove(protocols_.begin(), protocols_.end(), &protocol), protocols_.end());
}

}  // namespace torsion
