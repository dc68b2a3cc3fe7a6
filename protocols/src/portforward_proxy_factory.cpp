#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/portforward/proxy_factory.hpp>
#include <torsion/protocols/portforward/proxy_server.hpp>

namespace torsion {

ProxyFactory::ProxyFactory(std::unique_ptr<IStreamClientEndpoint> backend)
    : backend_(std::move(backend)) {
  if (!backend_) {
    throw ValueError("ProxyFactory: the backend endpoint is null");
  }
}

std::unique_ptr<Protocol> ProxyFactory::buildProtocol(const Address& addr) {
  (void)addr;
  return std::make_unique<ProxyServer>(shared_from_this());
}

}  // namespace torsion
