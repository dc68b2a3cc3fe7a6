#pragma once

#include <optional>
#include <string>

#include <sys/socket.h>

#include <torsion/deferred/failure.hpp>
#include <torsion/reactor/unique_fd.hpp>
#include <torsion/transports/address.hpp>

namespace torsion::detail {

/// A socket address in the kernel's form.
struct SockAddr {
  sockaddr_storage storage{};
  socklen_t length = 0;

  [[nodiscard]] sockaddr* get() noexcept {
    return reinterpret_cast<sockaddr*>(&storage);
  }  // NOLINT

  [[nodiscard]] const sockaddr* get() const noexcept {
    return reinterpret_cast<const sockaddr*>(&storage);  // NOLINT
  }
};

/// The address family of a numeric host, or nullopt for a name.
[[nodiscard]] std::optional<AddressFamily> numericFamily(const std::string& host) noexcept;

/// The kernel form of `address`.
/// @throws ValueError if the host is not numeric or a UNIX path is too long.
[[nodiscard]] SockAddr toSockAddr(const Address& address);

/// The Address for a kernel address of `length` bytes.
[[nodiscard]] Address fromSockAddr(const sockaddr* address, socklen_t length);

/// The AF_* constant for `family`.
[[nodiscard]] int domainOf(AddressFamily family) noexcept;

/// getsockname/getpeername as Addresses; an unnamed address on failure.
[[nodiscard]] Address localAddress(int fd, AddressFamily family);
[[nodiscard]] Address peerAddress(int fd, AddressFamily family);

/// strerror(err) with the errno name: "Connection refused (ECONNREFUSED)".
[[nodiscard]] std::string errnoText(int err);

/// The ConnectError subclass for a failed connect with errno `err`.
[[nodiscard]] Failure connectFailure(int err, const std::string& destination);

/// ConnectionLost carrying errno `err`'s text.
[[nodiscard]] Failure lostFailure(int err);

/// Makes `fd` non-blocking. Returns false (errno set) on failure.
bool setNonBlocking(int fd) noexcept;

/// A non-blocking, close-on-exec stream or datagram socket for `family`.
/// @throws CannotListenError (for listeners) with errno's text when the socket cannot be made.
[[nodiscard]] UniqueFd openSocket(AddressFamily family, int type);

/// Sets an int socket option, throwing SystemError-like ValueError naming `what` on failure.
void setIntOption(int fd, int level, int name, int value, const char* what);

/// Reads an int socket option (0 on failure).
[[nodiscard]] int getIntOption(int fd, int level, int name) noexcept;

}  // namespace torsion::detail
