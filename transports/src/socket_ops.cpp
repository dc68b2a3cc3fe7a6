#include "socket_ops.hpp"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/transports/errors.hpp>

namespace torsion::detail {

std::optional<AddressFamily> numericFamily(const std::string& host) noexcept {
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return AddressFamily::kIPv4;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return AddressFamily::kIPv6;
  }
  return std::nullopt;
}

int domainOf(AddressFamily family) noexcept {
  switch (family) {
    case AddressFamily::kIPv4:
      return AF_INET;
    case AddressFamily::kIPv6:
      return AF_INET6;
    case AddressFamily::kUnix:
      return AF_UNIX;
  }
  return AF_UNSPEC;
}

SockAddr toSockAddr(const Address& address) {
  SockAddr out;
  switch (address.family()) {
    case AddressFamily::kIPv4: {
      auto* sin = reinterpret_cast<sockaddr_in*>(&out.storage);  // NOLINT: sockaddr punning
      sin->sin_family = AF_INET;
      sin->sin_port = htons(address.port());
      if (::inet_pton(AF_INET, address.host().c_str(), &sin->sin_addr) != 1) {
        throw ValueError(fmt::format("'{}' is not a numeric IPv4 address", address.host()));
      }
      out.length = sizeof(sockaddr_in);
      break;
    }
    case AddressFamily::kIPv6: {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&out.storage);  // NOLINT: sockaddr punning
      sin6->sin6_family = AF_INET6;
      sin6->sin6_port = htons(address.port());
      if (::inet_pton(AF_INET6, address.host().c_str(), &sin6->sin6_addr) != 1) {
        throw ValueError(fmt::format("'{}' is not a numeric IPv6 address", address.host()));
      }
      out.length = sizeof(sockaddr_in6);
      break;
    }
    case AddressFamily::kUnix: {
      auto* sun = reinterpret_cast<sockaddr_un*>(&out.storage);  // NOLINT: sockaddr punning
      sun->sun_family = AF_UNIX;
      const std::string& path = address.path();
      const bool abstract = address.isAbstract();
      // A filesystem path needs its terminating NUL; an abstract name is counted exactly.
      if (path.empty() || path.size() + (abstract ? 0U : 1U) > sizeof(sun->sun_path)) {
        throw ValueError(fmt::format("UNIX socket path '{}' is empty or longer than {} bytes",
                                     address.toString(), sizeof(sun->sun_path) - 1));
      }
      std::memcpy(sun->sun_path, path.data(), path.size());
      out.length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size() +
                                          (abstract ? 0U : 1U));
      break;
    }
  }
  return out;
}

Address fromSockAddr(const sockaddr* address, socklen_t length) {
  char text[INET6_ADDRSTRLEN] = {};
  switch (address->sa_family) {
    case AF_INET: {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(address);  // NOLINT
      ::inet_ntop(AF_INET, &sin->sin_addr, text, sizeof text);
      return Address::ipv4(text, ntohs(sin->sin_port));
    }
    case AF_INET6: {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(address);  // NOLINT
      ::inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
      return Address::ipv6(text, ntohs(sin6->sin6_port));
    }
    case AF_UNIX: {
      const auto* sun = reinterpret_cast<const sockaddr_un*>(address);  // NOLINT
      const auto offset = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path));
      if (length <= offset) {
        return Address::unixSocket("");
      }
      std::size_t size = length - offset;
      if (sun->sun_path[0] != '\0') {
        size = ::strnlen(sun->sun_path, size);  // a path is NUL-terminated; a name is not
      }
      return Address::unixSocket(std::string(sun->sun_path, size));
    }
    default:
      return Address{};
  }
}

Address localAddress(int fd, AddressFamily family) {
  SockAddr a;
  a.length = sizeof a.storage;
  if (::getsockname(fd, a.get(), &a.length) != 0) {
    return family == AddressFamily::kUnix ? Address::unixSocket("") : Address{};
  }
  return fromSockAddr(a.get(), a.length);
}

Address peerAddress(int fd, AddressFamily family) {
  SockAddr a;
  a.length = sizeof a.storage;
  if (::getpeername(fd, a.get(), &a.length) != 0) {
    return family == AddressFamily::kUnix ? Address::unixSocket("") : Address{};
  }
  return fromSockAddr(a.get(), a.length);
}

std::string errnoText(int err) {
  const char* name = ::strerrorname_np(err);
  return fmt::format("{} ({})", ::strerror(err), name != nullptr ? name : "unknown errno");
}

Failure connectFailure(int err, const std::string& destination) {
  const std::string text = fmt::format("connecting to {}: {}", destination, errnoText(err));
  switch (err) {
    case ECONNREFUSED:
      return Failure(ConnectionRefusedError(text));
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN:
      return Failure(NoRouteError(text));
    case ETIMEDOUT:
      return Failure(ConnectingTimeoutError(text));
    default:
      return Failure(ConnectError(text));
  }
}

Failure lostFailure(int err) {
  return Failure(
      ConnectionLost(fmt::format("Connection to the other side was lost: {}", errnoText(err))));
}

bool setNonBlocking(int fd) noexcept {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

UniqueFd openSocket(AddressFamily family, int type) {
  UniqueFd fd(::socket(domainOf(family), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    throw CannotListenError(fmt::format("socket: {}", errnoText(errno)));
  }
  return fd;
}

void setIntOption(int fd, int level, int name, int value, const char* what) {
  if (::setsockopt(fd, level, name, &value, sizeof value) != 0) {
    throw ValueError(fmt::format("setsockopt {}: {}", what, errnoText(errno)));
  }
}

int getIntOption(int fd, int level, int name) noexcept {
  int value = 0;
  socklen_t length = sizeof value;
  if (::getsockopt(fd, level, name, &value, &length) != 0) {
    return 0;
  }
  return value;
}

}  // namespace torsion::detail
