#include <cerrno>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include <torsion/reactor/errors.hpp>
#include <torsion/reactor/unique_fd.hpp>

#include "ipoller.hpp"
#include "throw_errno.hpp"

namespace torsion::detail {

int timeoutMilliseconds(std::optional<double> timeout) noexcept {
  if (!timeout) {
    return -1;
  }
  if (*timeout <= 0) {
    return 0;
  }
  const double ms = std::ceil(*timeout * 1000.0);
  if (ms >= static_cast<double>(std::numeric_limits<int>::max())) {
    return std::numeric_limits<int>::max();
  }
  return static_cast<int>(ms);
}

void throwErrno(const char* what) {
  const int err = errno;
  throw SystemError(fmt::format("{}: {}", what, std::strerror(err)));
}

}  // namespace torsion::detail
