#pragma once

#include <memory>
#include <utility>

#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/istream_client_endpoint.hpp>

namespace torsion::detail {

/// The ClientFactory a client endpoint hands to connectTCP/connectUNIX: it builds protocols with
/// the user's plain Factory and turns the connector's news into the endpoint's callbacks.
class EndpointClientFactory final : public ClientFactory {
 public:
  EndpointClientFactory(std::shared_ptr<Factory> inner,
                        IStreamClientEndpoint::ConnectedCallback onConnected,
                        IStreamClientEndpoint::FailedCallback onFailed)
      : inner_(std::move(inner)),
        onConnected_(std::move(onConnected)),
        onFailed_(std::move(onFailed)) {}

  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override {
    return inner_->buildProtocol(addr);
  }

  void startFactory() override { inner_->doStart(); }

  void stopFactory() override { inner_->doStop(); }

  void clientConnectionFailed(IConnector& /*connector*/, const Failure& reason) override {
    if (auto fn = std::exchange(onFailed_, nullptr)) {
      onConnected_ = nullptr;
      fn(reason);
    }
  }

  /// Called by the connector right after the protocol's connectionMade.
  void connectionMadeFor(Protocol& protocol) {
    if (auto fn = std::exchange(onConnected_, nullptr)) {
      onFailed_ = nullptr;
      fn(protocol);
    }
  }

 private:
  std::shared_ptr<Factory> inner_;
  IStreamClientEndpoint::ConnectedCallback onConnected_;
  IStreamClientEndpoint::FailedCallback onFailed_;
};

}  // namespace torsion::detail
