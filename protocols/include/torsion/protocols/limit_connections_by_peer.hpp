#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include <torsion/deferred/logger.hpp>
#include <torsion/protocols/wrapping_factory.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// Caps the number of simultaneous connections from each peer host (Twisted's
/// `policies.LimitConnectionsByPeer`, default 5 per host).
///
/// A connection from a host that already has `maxConnectionsPerPeer` connections up is refused:
/// `buildProtocol` returns nullptr, so the transport closes it at once, and an info line is
/// logged under "torsion.protocols.policies". Hosts are compared as `Address::host()` text (a
/// UNIX peer's path); the port is ignored. A connection counts from its `connectionMade` to its
/// `connectionLost`.
///
/// Example:
///     auto perPeer = std::make_shared<torsion::LimitConnectionsByPeer>(
///         torsion::Factory::forProtocol<Echo>(), 3);
///     reactor.listenTCP(8000, perPeer);
///
/// Ownership: as WrappingFactory (make it with `std::make_shared`).
/// Thread: the reactor's thread only.
class LimitConnectionsByPeer final : public WrappingFactory {
 public:
  /// Twisted's default cap.
  static constexpr std::size_t kDefaultMaxConnectionsPerPeer = 5;

  /// At most `maxConnectionsPerPeer` connections of `wrappedFactory` from each host.
  /// @throws ValueError if `wrappedFactory` is null.
  explicit LimitConnectionsByPeer(
      std::shared_ptr<Factory> wrappedFactory,
      std::size_t maxConnectionsPerPeer = kDefaultMaxConnectionsPerPeer);

  /// The wrapped protocol, or nullptr (logged) if `addr`'s host is at its cap.
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  void registerProtocol(ProtocolWrapper& protocol) override;
  void unregisterProtocol(ProtocolWrapper& protocol) noexcept override;

  /// How many connections from `host` are up now.
  [[nodiscard]] std::size_t connectionsFrom(const std::string& host) const;

  /// The cap per host.
  [[nodiscard]] std::size_t maxConnectionsPerPeer() const noexcept { return max_; }

 private:
  std::size_t max_;
  std::map<std::string, std::size_t> perHost_;
  // The host each registered wrapper counted against: its transport is gone by the time a
  // destroyed-without-connectionLost wrapper unregisters.
  std::unordered_map<const ProtocolWrapper*, std::string> hostOf_;
  Logger log_{"torsion.protocols.policies"};
};

}  // namespace torsion
