#include <utility>

#include <fmt/format.h>

#include <torsion/transports/address.hpp>

namespace torsion {

Address Address::ipv4(std::string host, std::uint16_t port) {
  return Address(AddressFamily::kIPv4, std::move(host), port);
}

Address Address::ipv6(std::string host, std::uint16_t port) {
  return Address(AddressFamily::kIPv6, std::move(host), port);
}

Address Address::unixSocket(std::string path) {
  return Address(AddressFamily::kUnix, std::move(path), 0);
}

std::string Address::toString() const {
  switch (family_) {
    case AddressFamily::kIPv4:
      return fmt::format("{}:{}", host_, port_);
    case AddressFamily::kIPv6:
      return fmt::format("[{}]:{}", host_, port_);
    case AddressFamily::kUnix:
      if (isAbstract()) {
        // Appending, not operator+, which trips GCC 12's -Wrestrict false positive (PR105651).
        std::string shown("@");
        shown.append(host_, 1);
        return shown;
      }
      return host_;
  }
  return host_;
}

}  // namespace torsion
