#pragma once

#include <memory>

#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/istream_client_endpoint.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// A port forwarder: listen with it, and each accepted connection is piped to a new connection
/// to the backend endpoint (Twisted's `portforward.ProxyFactory`, which takes a host and port;
/// this takes any client endpoint, so the backend may be TCP, TCP over IPv6 or a UNIX socket).
///
/// Bytes flow both ways unchanged, with each side's transport the other's streaming producer,
/// so a slow reader on either side throttles the other and the proxy's memory stays bounded
/// by the transports' write-buffer watermarks (see Proxy for closing and half-close).
///
/// Example:
///     auto backend = torsion::clientFromString(reactor, "tcp:host=127.0.0.1:port=8080");
///     auto proxy = std::make_shared<torsion::ProxyFactory>(std::move(backend));
///     torsion::serverFromString(reactor, "tcp:8000:interface=127.0.0.1")->listen(proxy);
///
/// Ownership: shared (`std::make_shared`, required by buildProtocol) by the ports and the
/// ProxyServers it built; it owns the backend endpoint, whose reactor must outlive it.
/// Thread: the reactor's thread only.
class ProxyFactory final : public Factory, public std::enable_shared_from_this<ProxyFactory> {
 public:
  /// A forwarder to `backend`.
  /// @throws ValueError if `backend` is null.
  explicit ProxyFactory(std::unique_ptr<IStreamClientEndpoint> backend);

  /// A ProxyServer for the connection from `addr`.
  /// @throws std::bad_weak_ptr if this factory is not owned by a `std::shared_ptr`.
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// Where each accepted connection is forwarded.
  [[nodiscard]] IStreamClientEndpoint& backend() const noexcept { return *backend_; }

 private:
  std::unique_ptr<IStreamClientEndpoint> backend_;
};

}  // namespace torsion
