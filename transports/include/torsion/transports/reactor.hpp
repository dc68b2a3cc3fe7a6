#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include <torsion/reactor/reactor_core.hpp>
#include <torsion/transports/ireactor_socket.hpp>
#include <torsion/transports/ireactor_tcp.hpp>
#include <torsion/transports/ireactor_udp.hpp>
#include <torsion/transports/ireactor_unix.hpp>

namespace torsion {

namespace detail {
class Transports;
}  // namespace detail

/// The reactor programs make: the event loop (ReactorCore) plus TCP, UDP and UNIX sockets and
/// socket adoption (Twisted's reactor).
///
/// Example:
///     torsion::Reactor reactor;
///     reactor.listenTCP(8000, torsion::Factory::forProtocol<Echo>(), 50, "127.0.0.1");
///     reactor.run();
///
/// Shutdown: "during" shutdown the reactor stops every port and connector and loses every
/// connection (`connectionLost` with ConnectionLost, as Twisted's `disconnectAll`), so `run()`
/// returns with no sockets open. Destroying the reactor closes whatever is left without calling
/// protocol hooks.
/// Ownership: the application owns the reactor; the reactor owns every port, connector and
/// connection (and, through them, every protocol). It must outlive the factories' users: a
/// factory may outlive it.
/// Thread: as ReactorCore: the reactor's thread only, except callFromThread/callInThread.
class Reactor final : public ReactorCore,
                      public IReactorTCP,
                      public IReactorUDP,
                      public IReactorUNIX,
                      public IReactorSocket {
 public:
  /// Builds a reactor; see ReactorOptions.
  /// @throws as ReactorCore.
  explicit Reactor(ReactorOptions options = {});
  ~Reactor() override;

  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;
  Reactor(Reactor&&) = delete;
  Reactor& operator=(Reactor&&) = delete;

  // IReactorTCP
  IListeningPort& listenTCP(std::uint16_t port, std::shared_ptr<Factory> factory, int backlog = 50,
                            const std::string& interface = "") override;
  IConnector& connectTCP(const std::string& host, std::uint16_t port,
                         std::shared_ptr<ClientFactory> factory,
                         Seconds timeout = std::chrono::seconds{30},
                         std::optional<Address> bindAddress = std::nullopt) override;

  // IReactorUDP
  IUDPTransport& listenUDP(std::uint16_t port, std::unique_ptr<DatagramProtocol> protocol,
                           const std::string& interface = "",
                           std::size_t maxPacketSize = 8192) override;
  IMulticastTransport& listenMulticast(std::uint16_t port,
                                       std::unique_ptr<DatagramProtocol> protocol,
                                       const std::string& interface = "",
                                       std::size_t maxPacketSize = 8192,
                                       bool listenMultiple = false) override;

  // IReactorUNIX
  IListeningPort& listenUNIX(const std::string& path, std::shared_ptr<Factory> factory,
                             int backlog = 50, unsigned mode = 0666) override;
  IConnector& connectUNIX(const std::string& path, std::shared_ptr<ClientFactory> factory,
                          Seconds timeout = std::chrono::seconds{30}) override;

  // IReactorSocket
  IListeningPort& adoptStreamPort(int fd, AddressFamily family,
                                  std::shared_ptr<Factory> factory) override;
  void adoptStreamConnection(int fd, AddressFamily family,
                             std::shared_ptr<Factory> factory) override;
  IUDPTransport& adoptDatagramPort(int fd, AddressFamily family,
                                   std::unique_ptr<DatagramProtocol> protocol,
                                   std::size_t maxPacketSize = 8192) override;

  /// How many ports, connectors and connections the reactor owns now (test-only: a leak check).
  [[nodiscard]] std::size_t liveTransports() const noexcept;

 private:
  std::unique_ptr<detail::Transports> transports_;
};

}  // namespace torsion
