#pragma once

#include <cstddef>
#include <memory>

#include <torsion/deferred/logger.hpp>
#include <torsion/protocols/wrapping_factory.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// Caps the number of simultaneous connections (Twisted's
/// `policies.LimitTotalConnectionsFactory`, as a wrapper around the factory whose protocols it
/// counts).
///
/// While fewer than `connectionLimit` connections are up, connections get the wrapped factory's
/// protocol. Past the limit, a connection gets the overflow factory's protocol if one was given
/// (to send a "busy" message, say; it counts as a connection too, as in Twisted), and is
/// otherwise refused: `buildProtocol` returns nullptr, so the transport closes it at once, and
/// an info line is logged under "torsion.protocols.policies". A connection counts from its
/// `connectionMade` to its `connectionLost`.
///
/// Example:
///     auto limited = std::make_shared<torsion::LimitTotalConnectionsFactory>(
///         torsion::Factory::forProtocol<Echo>(), 100);
///     reactor.listenTCP(8000, limited);
///
/// Ownership: as WrappingFactory (make it with `std::make_shared`); shares the overflow factory.
/// Thread: the reactor's thread only.
class LimitTotalConnectionsFactory final : public WrappingFactory {
 public:
  /// At most `connectionLimit` connections of `wrappedFactory`; excess ones get
  /// `overflowFactory`'s protocol, or are refused when it is null.
  /// @throws ValueError if `wrappedFactory` is null.
  LimitTotalConnectionsFactory(std::shared_ptr<Factory> wrappedFactory, std::size_t connectionLimit,
                               std::shared_ptr<Factory> overflowFactory = nullptr);

  /// The wrapped protocol, the overflow protocol, or nullptr (logged) past the limit.
  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// How many connections are up now, overflow ones included (Twisted's `connectionCount`).
  [[nodiscard]] std::size_t connectionCount() const noexcept { return protocols().size(); }

  /// The cap.
  [[nodiscard]] std::size_t connectionLimit() const noexcept { return limit_; }

 private:
  std::size_t limit_;
  std::shared_ptr<Factory> overflow_;
  Logger log_{"torsion.protocols.policies"};
};

}  // namespace torsion
