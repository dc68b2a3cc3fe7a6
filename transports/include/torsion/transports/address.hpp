#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace torsion {

/// The kinds of socket address a transport can have.
enum class AddressFamily : std::uint8_t {
  kIPv4,  ///< AF_INET: dotted-quad host and a port
  kIPv6,  ///< AF_INET6: colon-hex host and a port
  kUnix,  ///< AF_UNIX: a filesystem path, or an abstract name starting with '\0' (Linux)
};

/// The address of one end of a connection or of a listening socket (Twisted's `IPv4Address`,
/// `IPv6Address` and `UNIXAddress` in one value type).
///
/// Hosts are always numeric ("127.0.0.1", "::1"); names are resolved before an Address exists.
/// An abstract-namespace UNIX name keeps its leading '\0' in `path()`; `toString()` shows it as
/// '@'. An unnamed UNIX address (the usual peer of an accepted UNIX connection) has an empty
/// path.
///
/// Example:
///     torsion::Address a = torsion::Address::ipv4("127.0.0.1", 8080);
///     assert(a.toString() == "127.0.0.1:8080");
///
/// Ownership: a plain value.
/// Thread: a plain value; copies may go to any thread.
class Address {
 public:
  /// 0.0.0.0:0.
  Address() = default;

  /// An IPv4 address; `host` must be numeric.
  [[nodiscard]] static Address ipv4(std::string host, std::uint16_t port);

  /// An IPv6 address; `host` must be numeric, without brackets.
  [[nodiscard]] static Address ipv6(std::string host, std::uint16_t port);

  /// A UNIX socket address; a leading '\0' makes it an abstract name (Linux).
  [[nodiscard]] static Address unixSocket(std::string path);

  [[nodiscard]] AddressFamily family() const noexcept { return family_; }

  /// The numeric host; empty for a UNIX address.
  [[nodiscard]] const std::string& host() const noexcept { return host_; }

  /// The port; 0 for a UNIX address.
  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

  /// The UNIX path or abstract name; empty for IP addresses.
  [[nodiscard]] const std::string& path() const noexcept { return host_; }

  /// True for a UNIX address in Linux's abstract namespace.
  [[nodiscard]] bool isAbstract() const noexcept {
    return family_ == AddressFamily::kUnix && !host_.empty() && host_.front() == '\0';
  }

  /// "127.0.0.1:80", "[::1]:80", "/run/app.sock" or "@name".
  [[nodiscard]] std::string toString() const;

  friend bool operator==(const Address&, const Address&) = default;

 private:
  Address(AddressFamily family, std::string host, std::uint16_t port)
      : family_(family), host_(std::move(host)), port_(port) {}

  AddressFamily family_ = AddressFamily::kIPv4;
  std::string host_ = "0.0.0.0";  // the UNIX path for kUnix
  std::uint16_t port_ = 0;
};

}  // namespace torsion
