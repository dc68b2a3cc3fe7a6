#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/protocols/portforward/proxy.hpp>
#include <torsion/transports/iconnector.hpp>

namespace torsion {

class ProxyClientFactory;
class ProxyFactory;

/// The side of a forwarded connection that an accepted client talks to (Twisted's
/// `portforward.ProxyServer`); a ProxyFactory builds one per accepted connection.
///
/// On `connectionMade` it pauses its transport, so nothing is read from the client before
/// there is somewhere to send it, and connects to the factory's backend endpoint with a
/// ProxyClientFactory of its own. Once the ProxyClient is up, the two sides are joined (see
/// ProxyClient) and reading resumes. If the attempt fails, a warning naming the client and the
/// reason is logged under "torsion.protocols.portforward" and the client's connection is closed
/// (`loseConnection`). If the client's connection is lost first, the attempt is cancelled
/// (`stopConnecting`); a backend connection that was made anyway closes itself.
///
/// Ownership: owned by its accepted connection; shares its ProxyFactory (for the backend
/// endpoint) and its ProxyClientFactory, and refers to the connection attempt's IConnector
/// only until the attempt succeeds or fails, as IConnector allows.
/// Thread: the reactor's thread only.
class ProxyServer : public Proxy {
 public:
  /// A server forwarding to `factory`'s backend.
  /// @throws ValueError if `factory` is null.
  explicit ProxyServer(std::shared_ptr<ProxyFactory> factory);

  /// Makes the ProxyClientFactory forget this server, so a late attempt cannot reach it.
  ~ProxyServer() override;

  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;
  ProxyServer(ProxyServer&&) = delete;
  ProxyServer& operator=(ProxyServer&&) = delete;

  /// Pauses reading and starts connecting to the backend.
  void connectionMade() override;

  /// Forwards to the peer; bytes a transport delivers before the backend is up (it should not,
  /// being paused) are kept and sent first once it is.
  void dataReceived(std::string_view data) override;

  /// Cancels a backend attempt still in progress, then closes the peer as Proxy does.
  void connectionLost(const Failure& reason) override;

  /// Called by ProxyClient once it has joined this server: forgets the attempt, sends the
  /// bytes kept so far, and resumes reading from the client.
  void backendConnected();

  /// Called when the backend attempt failed: logs `reason` and closes the client's connection.
  void backendFailed(const Failure& reason);

  /// True while the backend attempt is in progress.
  [[nodiscard]] bool connecting() const noexcept { return connector_ != nullptr; }

 private:
  std::shared_ptr<ProxyFactory> factory_;
  std::shared_ptr<ProxyClientFactory> clientFactory_;
  IConnector* connector_ = nullptr;  // the attempt in progress; see the ownership note
  std::string early_;                // bytes received before the backend was up
  Logger log_{"torsion.protocols.portforward"};
};

}  // namespace torsion
