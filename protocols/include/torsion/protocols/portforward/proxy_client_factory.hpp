#pragma once

#include <memory>

#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

class ProxyServer;

/// Builds the ProxyClient for one ProxyServer's backend connection (Twisted's
/// `portforward.ProxyClientFactory`). Each ProxyServer makes its own and hands it to the backend
/// endpoint's `connect`.
///
/// It is also how the endpoint's callbacks and the ProxyClient find the ProxyServer: it holds a
/// non-owning pointer that the server clears when its connection is lost (or it is destroyed),
/// so a connection attempt that finishes after the client hung up reaches no dead server.
///
/// Ownership: shared (`std::make_shared`, required by buildProtocol) by the ProxyServer, the
/// connection attempt and the ProxyClient; it never owns the server.
/// Thread: the reactor's thread only.
class ProxyClientFactory final : public Factory,
                                 public std::enable_shared_from_this<ProxyClientFactory> {
 public:
  /// A factory for `server`'s backend connection.
  explicit ProxyClientFactory(ProxyServer& server) noexcept : server_(&server) {}

  /// A ProxyClient, or nullptr (the connection is closed at once) once the server is gone.
  /// @throws std::bad_weak_ptr if this factory is not owned by a `std::shared_ptr`.
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// The server whose backend this connects, or null once it is gone (Twisted's `server`).
  [[nodiscard]] ProxyServer* server() const noexcept { return server_; }

  /// Sets (or, with null, forgets) the server (Twisted's `setServer`).
  void setServer(ProxyServer* server) noexcept { server_ = server; }

 private:
  ProxyServer* server_;
};

}  // namespace torsion
