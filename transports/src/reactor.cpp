#include <cerrno>
#include <utility>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/reactor.hpp>

#include "connector.hpp"
#include "socket_ops.hpp"
#include "stream_connection.hpp"
#include "stream_port.hpp"
#include "transports.hpp"
#include "udp_port.hpp"

namespace torsion {

namespace {

using detail::SockAddr;

Address interfaceAddress(const std::string& interface, std::uint16_t port) {
  if (interface.empty()) {
    return Address::ipv4("0.0.0.0", port);
  }
  const auto family = detail::numericFamily(interface);
  if (!family) {
    throw CannotListenError(fmt::format(
        "Couldn't listen on {}:{}: the interface must be a numeric address", interface, port));
  }
  return *family == AddressFamily::kIPv4 ? Address::ipv4(interface, port)
                                         : Address::ipv6(interface, port);
}

UniqueFd bindSocket(const Address& address, int type, bool reuseAddress) {
  UniqueFd fd = detail::openSocket(address.family(), type);
  if (reuseAddress) {
    const int one = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  const SockAddr sa = detail::toSockAddr(address);
  if (::bind(fd.get(), sa.get(), sa.length) != 0) {
    throw CannotListenError(
        fmt::format("Couldn't listen on {}: {}", address.toString(), detail::errnoText(errno)));
  }
  return fd;
}

void listenOn(const UniqueFd& fd, const Address& address, int backlog) {
  if (::listen(fd.get(), backlog) != 0) {
    throw CannotListenError(
        fmt::format("Couldn't listen on {}: {}", address.toString(), detail::errnoText(errno)));
  }
}

// True when something accepts connections on the UNIX socket at `sa`. A refused connection
// means the file is a leftover of a dead process.
bool unixSocketIsLive(const SockAddr& sa) {
  UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe.valid()) {
    return true;  // cannot tell: assume live, never steal
  }
  if (::connect(probe.get(), sa.get(), sa.length) == 0) {
    return true;
  }
  return errno != ECONNREFUSED;  // EAGAIN: a live listener with a full backlog
}

UniqueFd adoptDescriptor(int fd, AddressFamily family, int type, bool wantListening) {
  if (detail::getIntOption(fd, SOL_SOCKET, SO_TYPE) != type) {
    throw ValueError(fmt::format("descriptor {} is not a {} socket", fd,
                                 type == SOCK_STREAM ? "stream" : "datagram"));
  }
  if (detail::getIntOption(fd, SOL_SOCKET, SO_DOMAIN) != detail::domainOf(family)) {
    throw ValueError(fmt::format("descriptor {} is not of the address family given", fd));
  }
  if (type == SOCK_STREAM &&
      (detail::getIntOption(fd, SOL_SOCKET, SO_ACCEPTCONN) != 0) != wantListening) {
    throw ValueError(
        fmt::format("descriptor {} is {}a listening socket", fd, wantListening ? "not " : ""));
  }
  UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
  if (!copy.valid() || !detail::setNonBlocking(copy.get())) {
    throw ValueError(fmt::format("cannot adopt descriptor {}: {}", fd, detail::errnoText(errno)));
  }
  return copy;
}

}  // namespace

Reactor::Reactor(ReactorOptions options)
    : ReactorCore(options), transports_(std::make_unique<detail::Transports>(*this)) {
  // Twisted's disconnectAll: shutting down ends every port, connector and connection, so run()
  // returns with nothing open.
  addSystemEventTrigger(EventPhase::kDuring, SystemEvent::kShutdown,
                        [this] { transports_->disconnectAll(); });
}

Reactor::~Reactor() {
  transports_.reset();
}

std::size_t Reactor::liveTransports() const noexcept {
  return transports_->live();
}

IListeningPort& Reactor::listenTCP(std::uint16_t port, std::shared_ptr<Factory> factory,
                                   int backlog, const std::string& interface) {
  if (!factory) {
    throw ValueError("listenTCP: factory is null");
  }
  const Address address = interfaceAddress(interface, port);
  UniqueFd fd = bindSocket(address, SOCK_STREAM, true);
  listenOn(fd, address, backlog);
  auto& result = transports_->adopt(std::make_unique<detail::StreamPort>(
      *transports_, std::move(fd), address.family(), std::move(factory), "", 0, 0));
  result.start();
  return result;
}

IConnector& Reactor::connectTCP(const std::string& host, std::uint16_t port,
                                std::shared_ptr<ClientFactory> factory, Seconds timeout,
                                std::optional<Address> bindAddress) {
  if (!factory) {
    throw ValueError("connectTCP: factory is null");
  }
  auto& connector = transports_->adopt(std::make_unique<detail::Connector>(
      *transports_, host, port, std::move(factory), timeout, std::move(bindAddress)));
  connector.connect();
  return connector;
}

IListeningPort& Reactor::listenUNIX(const std::string& path, std::shared_ptr<Factory> factory,
                                    int backlog, unsigned mode) {
  if (!factory) {
    throw ValueError("listenUNIX: factory is null");
  }
  const Address address = Address::unixSocket(path);
  SockAddr sa;
  try {
    sa = detail::toSockAddr(address);
  } catch (const ValueError& e) {
    throw CannotListenError(fmt::format("Couldn't listen on {}: {}", address.toString(), e.what()));
  }
  UniqueFd fd = detail::openSocket(AddressFamily::kUnix, SOCK_STREAM);
  if (::bind(fd.get(), sa.get(), sa.length) != 0) {
    int err = errno;

    struct stat st {};

    if (err == EADDRINUSE && !address.isAbstract() && ::lstat(path.c_str(), &st) == 0 &&
        S_ISSOCK(st.st_mode)) {
      if (unixSocketIsLive(sa)) {
        throw CannotListenError(fmt::format(
            "Couldn't listen on {}: a live process is listening there", address.toString()));
      }
      // A stale socket left by a dead process: take its place.
      ::unlink(path.c_str());
      err = ::bind(fd.get(), sa.get(), sa.length) == 0 ? 0 : errno;
    }
    if (err != 0) {
      throw CannotListenError(
          fmt::format("Couldn't listen on {}: {}", address.toString(), detail::errnoText(err)));
    }
  }
  dev_t device = 0;
  ino_t inode = 0;
  std::string unlinkPath;
  if (!address.isAbstract()) {
    ::chmod(path.c_str(), mode);

    struct stat st {};

    if (::stat(path.c_str(), &st) == 0) {
      device = st.st_dev;
      inode = st.st_ino;
      unlinkPath = path;
    }
  }
  try {
    listenOn(fd, address, backlog);
  } catch (...) {
    if (!unlinkPath.empty()) {
      ::unlink(unlinkPath.c_str());
    }
    throw;
  }
  auto& result = transports_->adopt(
      std::make_unique<detail::StreamPort>(*transports_, std::move(fd), AddressFamily::kUnix,
                                           std::move(factory), unlinkPath, device, inode));
  result.start();
  return result;
}

IConnector& Reactor::connectUNIX(const std::string& path, std::shared_ptr<ClientFactory> factory,
                                 Seconds timeout) {
  if (!factory) {
    throw ValueError("connectUNIX: factory is null");
  }
  auto& connector = transports_->adopt(
      std::make_unique<detail::Connector>(*transports_, path, std::move(factory), timeout));
  connector.connect();
  return connector;
}

IUDPTransport& Reactor::listenUDP(std::uint16_t port, std::unique_ptr<DatagramProtocol> protocol,
                                  const std::string& interface, std::size_t maxPacketSize) {
  return listenMulticast(port, std::move(protocol), interface, maxPacketSize, false);
}

IMulticastTransport& Reactor::listenMulticast(std::uint16_t port,
                                              std::unique_ptr<DatagramProtocol> protocol,
                                              const std::string& interface,
                                              std::size_t maxPacketSize, bool listenMultiple) {
  if (!protocol) {
    throw ValueError("listenUDP: protocol is null");
  }
  const Address address = interfaceAddress(interface, port);
  UniqueFd fd = bindSocket(address, SOCK_DGRAM, listenMultiple);
  auto& result = transports_->adopt(std::make_unique<detail::UdpPort>(
      *transports_, std::move(fd), address.family(), std::move(protocol), maxPacketSize));
  result.start();
  return result;
}

IListeningPort& Reactor::adoptStreamPort(int fd, AddressFamily family,
                                         std::shared_ptr<Factory> factory) {
  if (!factory) {
    throw ValueError("adoptStreamPort: factory is null");
  }
  UniqueFd copy = adoptDescriptor(fd, family, SOCK_STREAM, true);
  auto& result = transports_->adopt(std::make_unique<detail::StreamPort>(
      *transports_, std::move(copy), family, std::move(factory), "", 0, 0));
  result.start();
  return result;
}

void Reactor::adoptStreamConnection(int fd, AddressFamily family,
                                    std::shared_ptr<Factory> factory) {
  if (!factory) {
    throw ValueError("adoptStreamConnection: factory is null");
  }
  UniqueFd copy = adoptDescriptor(fd, family, SOCK_STREAM, false);
  const Address peer = detail::peerAddress(copy.get(), family);
  if (family != AddressFamily::kUnix) {
    SockAddr probe;
    probe.length = sizeof probe.storage;
    if (::getpeername(copy.get(), probe.get(), &probe.length) != 0) {
      throw ValueError(fmt::format("descriptor {} is not connected", fd));
    }
  }
  // The protocol is built and started on a later turn, like an accepted connection.
  callLater(Seconds{0}, [transports = transports_.get(), copy = std::move(copy), family, peer,
                         factory = std::move(factory)]() mutable {
    std::unique_ptr<Protocol> protocol;
    try {
      protocol = factory->buildProtocol(peer);
    } catch (...) {
      transports->log().failure("buildProtocol", std::current_exception());
    }
    if (!protocol) {
      return;
    }
    transports
        ->adopt(std::make_unique<detail::StreamConnection>(*transports, std::move(copy), family,
                                                           peer, std::move(protocol),
                                                           std::move(factory), nullptr))
        .start();
  });
}

IUDPTransport& Reactor::adoptDatagramPort(int fd, AddressFamily family,
                                          std::unique_ptr<DatagramProtocol> protocol,
                                          std::size_t maxPacketSize) {
  if (!protocol) {
    throw ValueError("adoptDatagramPort: protocol is null");
  }
  UniqueFd copy = adoptDescriptor(fd, family, SOCK_DGRAM, false);
  auto& result = transports_->adopt(std::make_unique<detail::UdpPort>(
      *transports_, std::move(copy), family, std::move(protocol), maxPacketSize));
  result.start();
  return result;
}

}  // namespace torsion
