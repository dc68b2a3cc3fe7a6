#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <torsion/reactor/delayed_call.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/iconnector.hpp>
#include <torsion/transports/ilistening_port.hpp>

namespace torsion {

/// TCP listening and connecting (Twisted's `IReactorTCP`).
///
/// Ownership: the reactor owns every port, connector and connection; the references returned
/// follow IListeningPort's and IConnector's rules. Factories are shared.
/// Thread: the reactor's thread only.
class IReactorTCP {
 public:
  IReactorTCP() = default;
  IReactorTCP(const IReactorTCP&) = delete;
  IReactorTCP& operator=(const IReactorTCP&) = delete;
  IReactorTCP(IReactorTCP&&) = delete;
  IReactorTCP& operator=(IReactorTCP&&) = delete;
  virtual ~IReactorTCP() = default;

  /// Listens on `port` (0: any free port) of `interface` ("" for all IPv4 addresses; a numeric
  /// IPv6 address such as "::" or "::1" listens on IPv6). The port accepts from the next turn.
  /// @throws CannotListenError naming the address and errno text (in use, not available...).
  virtual IListeningPort& listenTCP(std::uint16_t port, std::shared_ptr<Factory> factory,
                                    int backlog = 50, const std::string& interface = "") = 0;

  /// Connects to `host:port`. A numeric host connects at once; a name is resolved on the
  /// reactor's thread pool, never blocking the loop, and each address it resolves to is tried
  /// in turn. Progress and failure reach `factory` from later turns (never inside this call).
  /// `timeout` bounds the whole attempt, resolution included. `bindAddress` binds the local
  /// end first.
  virtual IConnector& connectTCP(const std::string& host, std::uint16_t port,
                                 std::shared_ptr<ClientFactory> factory,
                                 Seconds timeout = std::chrono::seconds{30},
                                 std::optional<Address> bindAddress = std::nullopt) = 0;
};

}  // namespace torsion
