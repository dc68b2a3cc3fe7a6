#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/portforward/proxy_client.hpp>
#include <torsion/protocols/portforward/proxy_client_factory.hpp>
#include <torsion/protocols/portforward/proxy_server.hpp>
#include <torsion/transports/itransport.hpp>

namespace torsion {

ProxyClient::ProxyClient(std::shared_ptr<ProxyClientFactory> factory)
    : factory_(std::move(factory)) {
  if (!factory_) {
    throw ValueError("ProxyClient: the factory is null");
  }
}

void ProxyClient::connectionMade() {
  ProxyServer* server = factory_->server();
  if (server == nullptr || server->transport() == nullptr) {
    // The client hung up while the backend was connecting: nobody to forward to.
    transport()->loseConnection();
    return;
  }
  setPeer(server);
  server->setPeer(this);
  // Each side's transport produces what the other consumes: a full write buffer on one side
  // pauses reading on the other (Twisted's ProxyClient.connectionMade does the same).
  transport()->registerProducer(*server->transport(), true);
  server->transport()->registerProducer(*transport(), true);
  server->backendConnected();
}

}  // namespace torsion
