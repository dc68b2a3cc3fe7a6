#pragma once

#include <memory>

#include <torsion/protocols/portforward/proxy.hpp>

namespace torsion {

class ProxyClientFactory;

/// The side of a forwarded connection that talks to the backend (Twisted's
/// `portforward.ProxyClient`); a ProxyClientFactory builds one per backend connection.
///
/// On `connectionMade` it links itself and its ProxyServer both ways, registers each side's
/// transport as the other's streaming producer (`transport()->registerProducer(server's
/// transport, true)` and the reverse), and lets the ProxyServer resume reading from its client,
/// which it paused while the backend was connecting. If the ProxyServer is already gone (its
/// client hung up while the backend was connecting), it closes its own connection instead.
///
/// Ownership: owned by its backend connection; shares its factory, which points to the server.
/// Thread: the reactor's thread only.
class ProxyClient final : public Proxy {
 public:
  /// A client for the server `factory` points to.
  /// @throws ValueError if `factory` is null.
  explicit ProxyClient(std::shared_ptr<ProxyClientFactory> factory);

  /// Joins the ProxyServer (see the class comment).
  void connectionMade() override;

 private:
  std::shared_ptr<ProxyClientFactory> factory_;
};

}  // namespace torsion
