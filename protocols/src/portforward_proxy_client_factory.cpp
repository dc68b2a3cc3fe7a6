#include <torsion/protocols/portforward/proxy_client.hpp>
#include <torsion/protocols/portforward/proxy_client_factory.hpp>

namespace torsion {

std::unique_ptr<Protocol> ProxyClientFactory::buildProtocol(const Address& addr) {
  (void)addr;
  if (server_ == nullptr) {
    return nullptr;
  }
  return std::make_unique<ProxyClient>(shared_from_this());
}

}  // namespace torsion
