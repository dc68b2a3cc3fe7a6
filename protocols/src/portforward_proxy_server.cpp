#include <exception>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/portforward/proxy_client_factory.hpp>
#include <torsion/protocols/portforward/proxy_factory.hpp>
#include <torsion/protocols/portforward/proxy_server.hpp>
#include <torsion/transports/itransport.hpp>

namespace torsion {

ProxyServer::ProxyServer(std::shared_ptr<ProxyFactory> factory) : factory_(std::move(factory)) {
  if (!factory_) {
    throw ValueError("ProxyServer: the factory is null");
  }
}

ProxyServer::~ProxyServer() {
  if (clientFactory_) {
    clientFactory_->setServer(nullptr);
  }
}

void ProxyServer::connectionMade() {
  // Read nothing from the client until there is somewhere to send it.
  transport()->pauseProducing();
  clientFactory_ = std::make_shared<ProxyClientFactory>(*this);
  try {
    // The callbacks reach the server through the factory, which forgets it when it goes, so
    // they capture no pointer that could outlive it.
    connector_ = &factory_->backend().connect(
        clientFactory_, [](Protocol& /*client*/) {},
        [clientFactory = clientFactory_](const Failure& reason) {
          if (ProxyServer* server = clientFactory->server(); server != nullptr) {
            server->backendFailed(reason);
          }
        });
  } catch (...) {
    backendFailed(Failure::current());
  }
}

void ProxyServer::dataReceived(std::string_view data) {
  if (peer() == nullptr && connecting()) {
    early_.append(data);
    return;
  }
  Proxy::dataReceived(data);
}

void ProxyServer::connectionLost(const Failure& reason) {
  if (IConnector* connector = std::exchange(connector_, nullptr); connector != nullptr) {
    connector->stopConnecting();
  }
  if (clientFactory_) {
    clientFactory_->setServer(nullptr);
  }
  early_.clear();
  Proxy::connectionLost(reason);
}

void ProxyServer::backendConnected() {
  connector_ = nullptr;
  if (!early_.empty() && peer() != nullptr) {
    peer()->transport()->write(early_);
  }
  early_.clear();
  early_.shrink_to_fit();
  transport()->resumeProducing();
}

void ProxyServer::backendFailed(const Failure& reason) {
  connector_ = nullptr;
  early_.clear();
  if (transport() == nullptr) {
    return;
  }
  log_.warn("cannot forward the connection from {}: the backend connection failed: {}",
            transport()->getPeer().toString(), reason.what());
  transport()->loseConnection();
}

}  // namespace torsion
