#include <utility>

#include <torsion/protocols/limit_connections_by_peer.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>

namespace torsion {

LimitConnectionsByPeer::LimitConnectionsByPeer(std::shared_ptr<Factory> wrappedFactory,
                                               std::size_t maxConnectionsPerPeer)
    : WrappingFactory(std::move(wrappedFactory)), max_(maxConnectionsPerPeer) {}

std::unique_ptr<Protocol> LimitConnectionsByPeer::buildProtocol(const Address& addr) {
  if (connectionsFrom(addr.host()) >= max_) {
    log_.info("per-peer connection limit ({}) reached: refusing the connection from {}", max_,
              addr.toString());
    return nullptr;
  }
  return WrappingFactory::buildProtocol(addr);
}

void LimitConnectionsByPeer::registerProtocol(ProtocolWrapper& protocol) {
  WrappingFactory::registerProtocol(protocol);
  std::string host = protocol.getPeer().host();
  ++perHost_[host];
  hostOf_[&protocol] = std::move(host);
}

void LimitConnectionsByPeer::unregisterProtocol(ProtocolWrapper& protocol) noexcept {
  WrappingFactory::unregisterProtocol(protocol);
  const auto found = hostOf_.find(&protocol);
  if (found == hostOf_.end()) {
    return;
  }
  const auto count = perHost_.find(found->second);
  if (count != perHost_.end() && --count->second == 0) {
    perHost_.erase(count);
  }
  hostOf_.erase(found);
}

std::size_t LimitConnectionsByPeer::connectionsFrom(const std::string& host) const {
  const auto found = perHost_.find(host);
  return found == perHost_.end() ? 0 : found->second;
}

}  // namespace torsion
