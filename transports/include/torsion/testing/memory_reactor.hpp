#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/testing/fake_connector.hpp>
#include <torsion/testing/fake_datagram_port.hpp>
#include <torsion/testing/fake_listening_port.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/datagram_protocol.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ireactor_socket.hpp>
#include <torsion/transports/ireactor_tcp.hpp>
#include <torsion/transports/ireactor_udp.hpp>
#include <torsion/transports/ireactor_unix.hpp>

namespace torsion::testing {

/// How a MemoryReactor settles new connection attempts that the test does not drive itself.
enum class ConnectOutcome : std::uint8_t {
  kPending,  ///< left connecting until the test calls `succeed()` or `fail()` (the default)
  kSucceed,  ///< succeed, as FakeConnector::succeed
  kFail,     ///< fail, as FakeConnector::fail, with the reactor's connect failure
};

/// A reactor that opens nothing: it records every listen, connect and adopt call and returns
/// fakes the test can drive (Twisted's `MemoryReactor`). Use it to test a program's wiring: what
/// it listens on, with which factory, where it connects, and what its protocols then do.
///
/// - listenTCP / listenUNIX / adoptStreamPort return a FakeListeningPort; `accept(peer)` on it
///   builds a protocol from the program's factory over a StringTransportWithDisconnection.
/// - connectTCP / connectUNIX return a FakeConnector that the test makes `succeed()` or
///   `fail(reason)`; or `setConnectOutcome` settles every attempt the same way.
/// - listenUDP / listenMulticast / adoptDatagramPort return a FakeDatagramPort that owns the
///   DatagramProtocol and records what it sends.
///
/// Work the real reactor does "on a later turn" (startFactory, startedConnecting, settling an
/// attempt, startProtocol, what follows stopListening) is queued, never run inside the call
/// that asked for it, so code under test sees the real ordering. MemoryReactor runs the queue
/// when the test calls `runPending()`; MemoryReactorClock puts it on its clock as zero-delay
/// calls, so any `advance` runs it.
///
/// Listening twice on the same port number and interface (port != 0, first port still
/// listening) throws CannotListenError, as the real socket would; nothing else fails unless the
/// test makes it. Port 0 is given a fake port number, counting up from kFirstFakePort.
///
/// It implements no IReactorCore or IReactorTime; MemoryReactorClock adds time.
///
/// Example:
///     torsion::testing::MemoryReactor reactor;
///     startServer(reactor);                          // the program under test
///     REQUIRE(reactor.tcpServers().at(0).port == 8000);
///     auto* tr = reactor.tcpServers()[0].listeningPort->accept();
///     tr->protocol()->dataReceived("PING\r\n");
///     REQUIRE(tr->value() == "PONG\r\n");
///
/// Ownership: owns every port, connector, protocol and fake transport it hands out, for its own
/// lifetime, so references stay valid until it is destroyed (the real reactor frees them
/// earlier: do not rely on more). Factories are shared with the records.
/// Thread: one thread, the test's.
class MemoryReactor : public IReactorTCP,
                      public IReactorUDP,
                      public IReactorUNIX,
                      public IReactorSocket {
 public:
  /// The fake port number given to the first listen on port 0.
  static constexpr std::uint16_t kFirstFakePort = 40000;

  /// One listenTCP call.
  struct TcpServer {
    std::uint16_t port;  ///< as requested (0 stays 0 here; see listeningPort->getHost())
    std::shared_ptr<Factory> factory;
    int backlog;
    std::string interface;
    FakeListeningPort* listeningPort;  ///< never null
  };

  /// One connectTCP call.
  struct TcpClient {
    std::string host;
    std::uint16_t port;
    std::shared_ptr<ClientFactory> factory;
    Seconds timeout;
    std::optional<Address> bindAddress;
    FakeConnector* connector;  ///< never null
  };

  /// One listenUNIX call.
  struct UnixServer {
    std::string path;
    std::shared_ptr<Factory> factory;
    int backlog;
    unsigned mode;
    FakeListeningPort* listeningPort;  ///< never null
  };

  /// One connectUNIX call.
  struct UnixClient {
    std::string path;
    std::shared_ptr<ClientFactory> factory;
    Seconds timeout;
    FakeConnector* connector;  ///< never null
  };

  /// One listenUDP or listenMulticast call.
  struct UdpPort {
    std::uint16_t port;
    std::string interface;
    std::size_t maxPacketSize;
    bool multicast;               ///< true for listenMulticast
    bool listenMultiple;          ///< listenMulticast's flag; false for listenUDP
    FakeDatagramPort* transport;  ///< never null; owns the protocol (`transport->protocol()`)
  };

  /// One adoptStreamPort call.
  struct AdoptedPort {
    int fd;
    AddressFamily family;
    std::shared_ptr<Factory> factory;
    FakeListeningPort* listeningPort;  ///< never null
  };

  /// One adoptStreamConnection call (recorded only, as in Twisted).
  struct AdoptedConnection {
    int fd;
    AddressFamily family;
    std::shared_ptr<Factory> factory;
  };

  /// One adoptDatagramPort call.
  struct AdoptedDatagramPort {
    int fd;
    AddressFamily family;
    std::size_t maxPacketSize;
    FakeDatagramPort* transport;  ///< never null; owns the protocol
  };

  MemoryReactor();
  ~MemoryReactor() override;

  MemoryReactor(const MemoryReactor&) = delete;
  MemoryReactor& operator=(const MemoryReactor&) = delete;
  MemoryReactor(MemoryReactor&&) = delete;
  MemoryReactor& operator=(MemoryReactor&&) = delete;

  // ---- IReactorTCP ---------------------------------------------------------------------------

  /// Records the call and returns a FakeListeningPort on `interface` ("" shows as 0.0.0.0).
  /// @throws CannotListenError if a port still listening has the same nonzero port and
  ///   interface.
  IListeningPort& listenTCP(std::uint16_t port, std::shared_ptr<Factory> factory, int backlog = 50,
                            const std::string& interface = "") override;

  /// Records the call and returns a FakeConnector for the attempt; nothing is called on the
  /// factory inside this call.
  IConnector& connectTCP(const std::string& host, std::uint16_t port,
                         std::shared_ptr<ClientFactory> factory,
                         Seconds timeout = std::chrono::seconds{30},
                         std::optional<Address> bindAddress = std::nullopt) override;

  // ---- IReactorUDP ---------------------------------------------------------------------------

  /// Records the call and returns a FakeDatagramPort owning `protocol`.
  /// @throws CannotListenError if a UDP port still listening has the same nonzero port and
  ///   interface (unless listenMulticast's `listenMultiple`).
  IUDPTransport& listenUDP(std::uint16_t port, std::unique_ptr<DatagramProtocol> protocol,
                           const std::string& interface = "",
                           std::size_t maxPacketSize = 8192) override;

  /// As listenUDP; recorded with `multicast` true. `listenMultiple` lets several ports share
  /// the port number.
  IMulticastTransport& listenMulticast(std::uint16_t port,
                                       std::unique_ptr<DatagramProtocol> protocol,
                                       const std::string& interface = "",
                                       std::size_t maxPacketSize = 8192,
                                       bool listenMultiple = false) override;

  // ---- IReactorUNIX --------------------------------------------------------------------------

  /// Records the call and returns a FakeListeningPort whose getHost is the path.
  /// @throws CannotListenError if a port still listening has the same path.
  IListeningPort& listenUNIX(const std::string& path, std::shared_ptr<Factory> factory,
                             int backlog = 50, unsigned mode = 0666) override;

  /// Records the call and returns a FakeConnector, as connectTCP.
  IConnector& connectUNIX(const std::string& path, std::shared_ptr<ClientFactory> factory,
                          Seconds timeout = std::chrono::seconds{30}) override;

  // ---- IReactorSocket ------------------------------------------------------------------------

  /// Records the call; the port's getHost is 0.0.0.0:1234, [::]:1234 or an unnamed UNIX
  /// address, by family (Twisted's choice). `fd` is not touched.
  IListeningPort& adoptStreamPort(int fd, AddressFamily family,
                                  std::shared_ptr<Factory> factory) override;

  /// Records the call only. `fd` is not touched.
  void adoptStreamConnection(int fd, AddressFamily family,
                             std::shared_ptr<Factory> factory) override;

  /// Records the call and returns a FakeDatagramPort owning `protocol`. `fd` is not touched.
  IUDPTransport& adoptDatagramPort(int fd, AddressFamily family,
                                   std::unique_ptr<DatagramProtocol> protocol,
                                   std::size_t maxPacketSize = 8192) override;

  // ---- what the test inspects and drives -----------------------------------------------------

  [[nodiscard]] const std::vector<TcpServer>& tcpServers() const noexcept { return tcpServers_; }

  [[nodiscard]] const std::vector<TcpClient>& tcpClients() const noexcept { return tcpClients_; }

  [[nodiscard]] const std::vector<UnixServer>& unixServers() const noexcept { return unixServers_; }

  [[nodiscard]] const std::vector<UnixClient>& unixClients() const noexcept { return unixClients_; }

  [[nodiscard]] const std::vector<UdpPort>& udpPorts() const noexcept { return udpPorts_; }

  [[nodiscard]] const std::vector<AdoptedPort>& adoptedPorts() const noexcept {
    return adoptedPorts_;
  }

  [[nodiscard]] const std::vector<AdoptedConnection>& adoptedConnections() const noexcept {
    return adoptedConnections_;
  }

  [[nodiscard]] const std::vector<AdoptedDatagramPort>& adoptedDatagramPorts() const noexcept {
    return adoptedDatagramPorts_;
  }

  /// Every connector handed out (TCP and UNIX), in call order.
  [[nodiscard]] std::vector<FakeConnector*> connectors() const;

  /// How connection attempts are settled from now on (see ConnectOutcome). `failure` is the
  /// reason for kFail; without one, a ConnectionRefusedError naming the destination.
  void setConnectOutcome(ConnectOutcome outcome, std::optional<Failure> failure = std::nullopt);

  [[nodiscard]] ConnectOutcome connectOutcome() const noexcept { return outcome_; }

  /// The failure for ConnectOutcome::kFail, if one was given.
  [[nodiscard]] const std::optional<Failure>& connectFailure() const noexcept {
    return connectFailure_;
  }

  /// Runs the queued "later turn" work, in order: what was queued before the call, like one
  /// reactor turn (work it queues waits for the next call). Returns how many ran. An exception
  /// from a hook reaches the test; what was not run yet stays queued. Always 0 on a
  /// MemoryReactorClock, whose clock runs the work.
  std::size_t runPending();

  /// How much work is queued for runPending.
  [[nodiscard]] std::size_t pendingCount() const noexcept { return pending_.size(); }

 protected:
  /// Queues `fn` for a later turn. MemoryReactorClock overrides it to use its clock.
  virtual void callSoon(UniqueFunction<void()> fn);

 private:
  friend class FakeConnector;
  friend class FakeListeningPort;
  friend class FakeDatagramPort;

  std::uint16_t assignPort(std::uint16_t port) noexcept;
  FakeListeningPort& makePort(Address host, std::shared_ptr<Factory> factory);
  FakeConnector& makeConnector(Address destination, std::shared_ptr<ClientFactory> factory);
  FakeDatagramPort& makeDatagramPort(Address host, std::unique_ptr<DatagramProtocol> protocol,
                                     std::size_t maxPacketSize);
  FakeDatagramPort& listenDatagram(std::uint16_t port, std::unique_ptr<DatagramProtocol> protocol,
                                   const std::string& interface, std::size_t maxPacketSize,
                                   bool multicast, bool listenMultiple);
  void checkFree(const Address& host) const;
  void scheduleSettle(FakeConnector& connector, int attempt);

  std::vector<TcpServer> tcpServers_;
  std::vector<TcpClient> tcpClients_;
  std::vector<UnixServer> unixServers_;
  std::vector<UnixClient> unixClients_;
  std::vector<UdpPort> udpPorts_;
  std::vector<AdoptedPort> adoptedPorts_;
  std::vector<AdoptedConnection> adoptedConnections_;
  std::vector<AdoptedDatagramPort> adoptedDatagramPorts_;

  std::vector<std::unique_ptr<FakeListeningPort>> ports_;
  std::vector<std::unique_ptr<FakeConnector>> connectors_;
  std::vector<std::unique_ptr<FakeDatagramPort>> datagramPorts_;
  std::uint16_t nextPort_ = kFirstFakePort;
  ConnectOutcome outcome_ = ConnectOutcome::kPending;
  std::optional<Failure> connectFailure_;
  // Declared last so queued work, which refers to the objects above, is destroyed first.
  std::vector<UniqueFunction<void()>> pending_;
};

}  // namespace torsion::testing
