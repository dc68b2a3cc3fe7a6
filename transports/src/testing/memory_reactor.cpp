#include <utility>

#include <fmt/format.h>

#include <torsion/testing/memory_reactor.hpp>
#include <torsion/transports/errors.hpp>

namespace torsion::testing {

namespace {

// The address a listen on `interface` reports: "" is every IPv4 address, a colon means IPv6.
Address listenAddress(const std::string& interface, std::uint16_t port) {
  if (interface.empty()) {
    return Address::ipv4("0.0.0.0", port);
  }
  return interface.find(':') != std::string::npos ? Address::ipv6(interface, port)
                                                  : Address::ipv4(interface, port);
}

Address adoptedAddress(AddressFamily family) {
  switch (family) {
    case AddressFamily::kIPv4:
      return Address::ipv4("0.0.0.0", 1234);
    case AddressFamily::kIPv6:
      return Address::ipv6("::", 1234);
    case AddressFamily::kUnix:
      return Address::unixSocket("");
  }
  return Address::ipv4("0.0.0.0", 1234);
}

}  // namespace

MemoryReactor::MemoryReactor() = default;

MemoryReactor::~MemoryReactor() = default;

// ---- plumbing ---------------------------------------------------------------------------------

void MemoryReactor::callSoon(UniqueFunction<void()> fn) {
  pending_.push_back(std::move(fn));
}

std::size_t MemoryReactor::runPending() {
  // One turn: what was queued before the call. Taking the batch first keeps work queued by
  // these calls for the next turn, and leaves the untouched rest queued if one of them throws.
  std::vector<UniqueFunction<void()>> batch = std::exchange(pending_, {});
  std::size_t ran = 0;
  try {
    for (; ran < batch.size(); ++ran) {
      batch[ran]();
    }
  } catch (...) {
    std::vector<UniqueFunction<void()>> rest;
    for (std::size_t i = ran + 1; i < batch.size(); ++i) {
      rest.push_back(std::move(batch[i]));
    }
    for (auto& fn : pending_) {
      rest.push_back(std::move(fn));
    }
    pending_ = std::move(rest);
    throw;
  }
  return ran;
}

void MemoryReactor::scheduleSettle(FakeConnector& connector, int attempt) {
  callSoon([&connector, attempt] { connector.settle(attempt); });
}

void MemoryReactor::setConnectOutcome(ConnectOutcome outcome, std::optional<Failure> failure) {
  outcome_ = outcome;
  connectFailure_ = std::move(failure);
}

std::uint16_t MemoryReactor::assignPort(std::uint16_t port) noexcept {
  return port != 0 ? port : nextPort_++;
}

void MemoryReactor::checkFree(const Address& host) const {
  if (host.family() != AddressFamily::kUnix && host.port() == 0) {
    return;
  }
  for (const auto& port : ports_) {
    if (port->listening() && port->getHost() == host) {
      throw CannotListenError(fmt::format(
          "cannot listen on {}: address already in use (MemoryReactor)", host.toString()));
    }
  }
}

FakeListeningPort& MemoryReactor::makePort(Address host, std::shared_ptr<Factory> factory) {
  ports_.push_back(std::make_unique<FakeListeningPort>(*this, std::move(host), std::move(factory)));
  return *ports_.back();
}

FakeConnector& MemoryReactor::makeConnector(Address destination,
                                            std::shared_ptr<ClientFactory> factory) {
  connectors_.push_back(
      std::make_unique<FakeConnector>(*this, std::move(destination), std::move(factory)));
  FakeConnector& connector = *connectors_.back();
  scheduleSettle(connector, connector.attempts());
  return connector;
}

FakeDatagramPort& MemoryReactor::makeDatagramPort(Address host,
                                                  std::unique_ptr<DatagramProtocol> protocol,
                                                  std::size_t maxPacketSize) {
  datagramPorts_.push_back(std::make_unique<FakeDatagramPort>(*this, std::move(host),
                                                              std::move(protocol), maxPacketSize));
  FakeDatagramPort& port = *datagramPorts_.back();
  port.start();
  return port;
}

std::vector<FakeConnector*> MemoryReactor::connectors() const {
  std::vector<FakeConnector*> out;
  out.reserve(connectors_.size());
  for (const auto& connector : connectors_) {
    out.push_back(connector.get());
  }
  return out;
}

// ---- TCP --------------------------------------------------------------------------------------

IListeningPort& MemoryReactor::listenTCP(std::uint16_t port, std::shared_ptr<Factory> factory,
                                         int backlog, const std::string& interface) {
  checkFree(listenAddress(interface, port));
  FakeListeningPort& made = makePort(listenAddress(interface, assignPort(port)), factory);
  tcpServers_.push_back(TcpServer{port, std::move(factory), backlog, interface, &made});
  return made;
}

IConnector& MemoryReactor::connectTCP(const std::string& host, std::uint16_t port,
                                      std::shared_ptr<ClientFactory> factory, Seconds timeout,
                                      std::optional<Address> bindAddress) {
  Address destination =
      host.find(':') != std::string::npos ? Address::ipv6(host, port) : Address::ipv4(host, port);
  FakeConnector& made = makeConnector(std::move(destination), factory);
  tcpClients_.push_back(
      TcpClient{host, port, std::move(factory), timeout, std::move(bindAddress), &made});
  return made;
}

// ---- UDP --------------------------------------------------------------------------------------

IUDPTransport& MemoryReactor::listenUDP(std::uint16_t port,
                                        std::unique_ptr<DatagramProtocol> protocol,
                                        const std::string& interface, std::size_t maxPacketSize) {
  return listenDatagram(port, std::move(protocol), interface, maxPacketSize, false, false);
}

IMulticastTransport& MemoryReactor::listenMulticast(std::uint16_t port,
                                                    std::unique_ptr<DatagramProtocol> protocol,
                                                    const std::string& interface,
                                                    std::size_t maxPacketSize,
                                                    bool listenMultiple) {
  return listenDatagram(port, std::move(protocol), interface, maxPacketSize, true, listenMultiple);
}

FakeDatagramPort& MemoryReactor::listenDatagram(std::uint16_t port,
                                                std::unique_ptr<DatagramProtocol> protocol,
                                                const std::string& interface,
                                                std::size_t maxPacketSize, bool multicast,
                                                bool listenMultiple) {
  const Address host = listenAddress(interface, port);
  if (port != 0 && !listenMultiple) {
    for (const auto& other : datagramPorts_) {
      if (other->listening() && other->getHost() == host) {
        throw CannotListenError(fmt::format(
            "cannot listen on UDP {}: address already in use (MemoryReactor)", host.toString()));
      }
    }
  }
  FakeDatagramPort& made = makeDatagramPort(listenAddress(interface, assignPort(port)),
                                            std::move(protocol), maxPacketSize);
  udpPorts_.push_back(UdpPort{port, interface, maxPacketSize, multicast, listenMultiple, &made});
  return made;
}

// ---- UNIX -------------------------------------------------------------------------------------

IListeningPort& MemoryReactor::listenUNIX(const std::string& path, std::shared_ptr<Factory> factory,
                                          int backlog, unsigned mode) {
  checkFree(Address::unixSocket(path));
  FakeListeningPort& made = makePort(Address::unixSocket(path), factory);
  unixServers_.push_back(UnixServer{path, std::move(factory), backlog, mode, &made});
  return made;
}

IConnector& MemoryReactor::connectUNIX(const std::string& path,
                                       std::shared_ptr<ClientFactory> factory, Seconds timeout) {
  FakeConnector& made = makeConnector(Address::unixSocket(path), factory);
  unixClients_.push_back(UnixClient{path, std::move(factory), timeout, &made});
  return made;
}

// ---- adoption ---------------------------------------------------------------------------------

IListeningPort& MemoryReactor::adoptStreamPort(int fd, AddressFamily family,
                                               std::shared_ptr<Factory> factory) {
  FakeListeningPort& made = makePort(adoptedAddress(family), factory);
  adoptedPorts_.push_back(AdoptedPort{fd, family, std::move(factory), &made});
  return made;
}

void MemoryReactor::adoptStreamConnection(int fd, AddressFamily family,
                                          std::shared_ptr<Factory> factory) {
  adoptedConnections_.push_back(AdoptedConnection{fd, family, std::move(factory)});
}

IUDPTransport& MemoryReactor::adoptDatagramPort(int fd, AddressFamily family,
                                                std::unique_ptr<DatagramProtocol> protocol,
                                                std::size_t maxPacketSize) {
  FakeDatagramPort& made =
      makeDatagramPort(adoptedAddress(family), std::move(protocol), maxPacketSize);
  adoptedDatagramPorts_.push_back(AdoptedDatagramPort{fd, family, maxPacketSize, &made});
  return made;
}

}  // namespace torsion::testing
