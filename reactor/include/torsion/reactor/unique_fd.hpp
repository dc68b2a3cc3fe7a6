#pragma once

#include <utility>

#include <unistd.h>

namespace torsion {

/// Owns a POSIX file descriptor and closes it on destruction: `std::unique_ptr` for an `int`.
///
/// The reactor and the transports hold every descriptor they open in one, so an early return or
/// an exception never leaks a socket. A program can use it to hold a socket until it hands the
/// descriptor to `IReactorSocket` with `release()`.
///
/// Example:
///     torsion::UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
///     if (!fd.valid()) { /* errno says why */ }
///     reactor.adoptStreamPort(fd.release(), ...);
///
/// Ownership: exactly one UniqueFd owns a descriptor; moving transfers it, `release()` gives it
/// up without closing. `close(2)` errors are ignored, as nothing useful can be done with them.
/// Thread: like an `int`; no internal locking.
class UniqueFd {
 public:
  /// Owns nothing (`get()` is -1).
  UniqueFd() noexcept = default;

  /// Takes ownership of `fd` (a negative value means none).
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}

  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset(std::exchange(other.fd_, -1));
    }
    return *this;
  }

  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  ~UniqueFd() { reset(); }

  /// The descriptor, or -1; still owned by this object.
  [[nodiscard]] int get() const noexcept { return fd_; }

  /// True when a descriptor is owned.
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }

  /// Gives up ownership without closing and returns the descriptor (or -1).
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  /// Closes the owned descriptor, if any, and takes ownership of `fd`.
  void reset(int fd = -1) noexcept {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace torsion
