#include "udp_port.hpp"

#include <cerrno>
#include <exception>
#include <utility>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/transports/errors.hpp>

#include "protocol_access.hpp"
#include "socket_ops.hpp"

namespace torsion::detail {

UdpPort::UdpPort(Transports& owner, UniqueFd fd, AddressFamily family,
                 std::unique_ptr<DatagramProtocol> protocol, std::size_t maxPacketSize)
    : owner_(owner),
      fd_(std::move(fd)),
      family_(family),
      protocol_(std::move(protocol)),
      packet_(maxPacketSize == 0 ? 1 : maxPacketSize) {}

UdpPort::~UdpPort() {
  stopReading();
  for (DelayedCall* call : {&startCall_, &stopCall_, &refusedCall_}) {
    if (call->active()) {
      call->cancel();
    }
  }
  if (protocol_) {
    ProtocolAccess::attach(*protocol_, nullptr);
  }
}

void UdpPort::start() {
  startCall_ = owner_.core().callLater(Seconds{0}, [this] {
    started_ = true;
    ProtocolAccess::attach(*protocol_, this);
    try {
      protocol_->startProtocol();
    } catch (...) {
      owner_.log().failure("startProtocol", std::current_exception());
    }
    if (!stopping_) {
      owner_.core().addReader(*this);
      reading_ = true;
    }
  });
}

void UdpPort::stopReading() noexcept {
  if (reading_) {
    reading_ = false;
    try {
      owner_.core().removeReader(*this);
    } catch (...) {  // NOLINT(bugprone-empty-catch): registered, so it cannot fail
    }
  }
}

Address UdpPort::getHost() const {
  return localAddress(fd_.get(), family_);
}

void UdpPort::doRead() {
  for (int i = 0; i < kReadBudget && reading_; ++i) {
    SockAddr from;
    from.length = sizeof from.storage;
    const ssize_t n =
        ::recvfrom(fd_.get(), packet_.data(), packet_.size(), 0, from.get(), &from.length);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == ECONNREFUSED) {
        refused();
        continue;
      }
      return;  // EAGAIN, or an error that belongs to one datagram
    }
    try {
      protocol_->datagramReceived(std::string_view(packet_.data(), static_cast<std::size_t>(n)),
                                  fromSockAddr(from.get(), from.length));
    } catch (...) {
      owner_.log().failure("datagramReceived", std::current_exception());
    }
  }
}

void UdpPort::refused() {
  try {
    protocol_->connectionRefused();
  } catch (...) {
    owner_.log().failure("connectionRefused", std::current_exception());
  }
}

bool UdpPort::sendResult(ssize_t n) {
  if (n >= 0) {
    return true;
  }
  switch (errno) {
    case EMSGSIZE:
      throw MessageLengthError("datagram too long for the socket");
    case ECONNREFUSED:
      // The kernel remembered an ICMP refusal from an earlier datagram; tell the protocol on a
      // later turn, never inside write().
      if (!refusedCall_.active()) {
        refusedCall_ = owner_.core().callLater(Seconds{0}, [this] { refused(); });
      }
      return false;
    case EAGAIN:
#if EAGAIN != EWOULDBLOCK
    case EWOULDBLOCK:
#endif
    case ENOBUFS:
    case EINTR:
      return false;  // UDP may drop; so do we
    default:
      owner_.log().warn("UDP send failed: {}", errnoText(errno));
      return false;
  }
}

bool UdpPort::write(std::string_view datagram, const Address& addr) {
  if (connected_) {
    throw ValueError("write(datagram, addr) on a connected UDP port; use write(datagram)");
  }
  if (stopping_ || !fd_.valid()) {
    return false;
  }
  if ((addr.family() == AddressFamily::kUnix) != (family_ == AddressFamily::kUnix)) {
    throw ValueError(fmt::format("cannot send to {} from this socket", addr.toString()));
  }
  const SockAddr to = toSockAddr(addr);
  return sendResult(
      ::sendto(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL, to.get(), to.length));
}

bool UdpPort::write(std::string_view datagram) {
  if (!connected_) {
    throw ValueError("write(datagram) needs a connected UDP port");
  }
  if (stopping_ || !fd_.valid()) {
    return false;
  }
  return sendResult(::send(fd_.get(), datagram.data(), datagram.size(), MSG_NOSIGNAL));
}

void UdpPort::connect(const std::string& host, std::uint16_t port) {
  if (connected_) {
    throw ValueError("connect: the UDP port is already connected");
  }
  const auto family = numericFamily(host);
  if (!family) {
    throw ValueError(fmt::format("connect: '{}' is not a numeric address", host));
  }
  const SockAddr to = toSockAddr(*family == AddressFamily::kIPv4 ? Address::ipv4(host, port)
                                                                 : Address::ipv6(host, port));
  if (::connect(fd_.get(), to.get(), to.length) != 0) {
    throw ValueError(fmt::format("connect to {}: {}", host, errnoText(errno)));
  }
  connected_ = true;
}

void UdpPort::setBroadcastAllowed(bool enabled) {
  setIntOption(fd_.get(), SOL_SOCKET, SO_BROADCAST, enabled ? 1 : 0, "SO_BROADCAST");
}

bool UdpPort::getBroadcastAllowed() const {
  return getIntOption(fd_.get(), SOL_SOCKET, SO_BROADCAST) != 0;
}

void UdpPort::changeMembership(const std::string& group, const std::string& interface, bool join) {
  const char* verb = join ? "joinGroup" : "leaveGroup";
  if (family_ == AddressFamily::kIPv6) {
    ipv6_mreq request{};
    if (::inet_pton(AF_INET6, group.c_str(), &request.ipv6mr_multiaddr) != 1) {
      throw MulticastJoinError(fmt::format("{}: '{}' is not an IPv6 address", verb, group));
    }
    if (::setsockopt(fd_.get(), IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &request,
                     sizeof request) != 0) {
      throw MulticastJoinError(fmt::format("{} {}: {}", verb, group, errnoText(errno)));
    }
    return;
  }
  ip_mreq request{};
  if (::inet_pton(AF_INET, group.c_str(), &request.imr_multiaddr) != 1) {
    throw MulticastJoinError(fmt::format("{}: '{}' is not an IPv4 address", verb, group));
  }
  const std::string& local = interface.empty() ? std::string("0.0.0.0") : interface;
  if (::inet_pton(AF_INET, local.c_str(), &request.imr_interface) != 1) {
    throw MulticastJoinError(fmt::format("{}: interface '{}' is not an IPv4 address", verb, local));
  }
  if (::setsockopt(fd_.get(), IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &request,
                   sizeof request) != 0) {
    throw MulticastJoinError(fmt::format("{} {}: {}", verb, group, errnoText(errno)));
  }
}

void UdpPort::joinGroup(const std::string& group, const std::string& interface) {
  changeMembership(group, interface, true);
}

void UdpPort::leaveGroup(const std::string& group, const std::string& interface) {
  changeMembership(group, interface, false);
}

void UdpPort::setTTL(int ttl) {
  if (family_ == AddressFamily::kIPv6) {
    setIntOption(fd_.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl, "IPV6_MULTICAST_HOPS");
  } else {
    setIntOption(fd_.get(), IPPROTO_IP, IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL");
  }
}

int UdpPort::getTTL() const {
  if (family_ == AddressFamily::kIPv6) {
    return getIntOption(fd_.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS);
  }
  // Linux stores the TTL as one byte and reports it in however many bytes we ask for.
  unsigned char ttl = 0;
  socklen_t length = sizeof ttl;
  if (::getsockopt(fd_.get(), IPPROTO_IP, IP_MULTICAST_TTL, &ttl, &length) != 0) {
    return 0;
  }
  return ttl;
}

void UdpPort::setLoopbackMode(bool enabled) {
  if (family_ == AddressFamily::kIPv6) {
    setIntOption(fd_.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP, enabled ? 1 : 0,
                 "IPV6_MULTICAST_LOOP");
  } else {
    setIntOption(fd_.get(), IPPROTO_IP, IP_MULTICAST_LOOP, enabled ? 1 : 0, "IP_MULTICAST_LOOP");
  }
}

bool UdpPort::getLoopbackMode() const {
  if (family_ == AddressFamily::kIPv6) {
    return getIntOption(fd_.get(), IPPROTO_IPV6, IPV6_MULTICAST_LOOP) != 0;
  }
  unsigned char loop = 0;
  socklen_t length = sizeof loop;
  if (::getsockopt(fd_.get(), IPPROTO_IP, IP_MULTICAST_LOOP, &loop, &length) != 0) {
    return false;
  }
  return loop != 0;
}

void UdpPort::setOutgoingInterface(const std::string& interface) {
  in_addr local{};
  if (::inet_pton(AF_INET, interface.c_str(), &local) != 1) {
    throw ValueError(fmt::format("setOutgoingInterface: '{}' is not an IPv4 address", interface));
  }
  if (::setsockopt(fd_.get(), IPPROTO_IP, IP_MULTICAST_IF, &local, sizeof local) != 0) {
    throw ValueError(fmt::format("setOutgoingInterface {}: {}", interface, errnoText(errno)));
  }
}

std::string UdpPort::getOutgoingInterface() const {
  in_addr local{};
  socklen_t length = sizeof local;
  if (::getsockopt(fd_.get(), IPPROTO_IP, IP_MULTICAST_IF, &local, &length) != 0) {
    return "0.0.0.0";
  }
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &local, text, sizeof text);
  return text;
}

void UdpPort::stopListening(UniqueFunction<void()> onStopped) {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  onStopped_ = std::move(onStopped);
  stopReading();
  stopCall_ = owner_.core().callLater(Seconds{0}, [this] { finishStop(); });
}

void UdpPort::finishStop() {
  for (DelayedCall* call : {&startCall_, &stopCall_, &refusedCall_}) {
    if (call->active()) {
      call->cancel();
    }
  }
  if (started_) {
    try {
      protocol_->stopProtocol();
    } catch (...) {
      owner_.log().failure("stopProtocol", std::current_exception());
    }
  }
  ProtocolAccess::attach(*protocol_, nullptr);
  fd_.reset();
  owner_.destroyThenNotify(this, std::move(onStopped_));  // `this` is gone
}

void UdpPort::shutDown() {
  stopping_ = true;
  stopReading();
  finishStop();
}

}  // namespace torsion::detail
