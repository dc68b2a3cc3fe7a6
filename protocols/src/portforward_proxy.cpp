#include <utility>

#include <torsion/protocols/portforward/proxy.hpp>
#include <torsion/transports/itcp_transport.hpp>
#include <torsion/transports/itransport.hpp>

namespace torsion {

Proxy::~Proxy() {
  // Only the peer is touched: this side's transport may already be gone when a connection is
  // destroyed without connectionLost, but the peer's is valid for as long as it links here.
  if (Proxy* peer = unlink(); peer != nullptr) {
    closePeerTransport(peer->transport());
  }
}

void Proxy::closePeerTransport(ITransport* peerTransport) {
  if (peerTransport == nullptr) {
    return;
  }
  // Held in a local: a test transport may run the peer's connectionLost inside
  // unregisterProducer (its close was waiting for it), which detaches the peer's transport().
  peerTransport->unregisterProducer();
  peerTransport->loseConnection();
}

Proxy* Proxy::unlink() noexcept {
  Proxy* peer = std::exchange(peer_, nullptr);
  if (peer != nullptr && peer->peer_ == this) {
    peer->peer_ = nullptr;
  }
  return peer;
}

void Proxy::dataReceived(std::string_view data) {
  if (peer_ != nullptr && peer_->transport() != nullptr) {
    peer_->transport()->write(data);
  }
}

void Proxy::readConnectionLost() {
  ITransport* peerTransport = peer_ != nullptr ? peer_->transport() : nullptr;
  if (peerTransport == nullptr) {
    transport()->loseConnection();
    return;
  }
  if (auto* tcp = dynamic_cast<ITCPTransport*>(peerTransport); tcp != nullptr) {
    // The FIN follows the bytes already written to the peer; this side keeps forwarding the
    // peer's answer until the peer half-closes too, and the transports then close themselves.
    tcp->loseWriteConnection();
    return;
  }
  // The peer cannot send a FIN alone: end it after it has flushed what this side sent it; its
  // connectionLost then ends this side the same way.
  closePeerTransport(peerTransport);
}

void Proxy::connectionLost(const Failure& reason) {
  (void)reason;
  // This side's transport may be destroyed right after this returns, so it must stop being
  // the peer's producer now; and a transport finishes loseConnection only once its producer
  // has unregistered.
  if (transport() != nullptr) {
    transport()->unregisterProducer();
  }
  if (Proxy* peer = unlink(); peer != nullptr) {
    closePeerTransport(peer->transport());
  }
}

}  // namespace torsion
