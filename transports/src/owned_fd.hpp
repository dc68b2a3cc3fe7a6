#pragma once

#include <utility>

#include <unistd.h>

namespace torsion::detail {

/// Owns a socket descriptor and closes it on destruction (transports' twin of the reactor's
/// private UniqueFd).
class OwnedFd {
 public:
  OwnedFd() noexcept = default;

  explicit OwnedFd(int fd) noexcept : fd_(fd) {}

  OwnedFd(OwnedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

  OwnedFd& operator=(OwnedFd&& other) noexcept {
    if (this != &other) {
      reset(std::exchange(other.fd_, -1));
    }
    return *this;
  }

  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;

  ~OwnedFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }

  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }

  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace torsion::detail
