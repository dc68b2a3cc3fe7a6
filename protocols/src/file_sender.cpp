#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/file_sender.hpp>
#include <torsion/transports/errors.hpp>

namespace torsion {

FileSender::FileSender(std::size_t chunkSize) : chunkSize_(chunkSize) {
  if (chunkSize_ == 0) {
    throw ValueError("FileSender: the chunk size must be at least 1 byte");
  }
}

FileSender::~FileSender() {
  closeFile();
}

Deferred<std::uint64_t> FileSender::beginFileTransfer(const std::filesystem::path& path,
                                                      IConsumer& consumer, Transform transform) {
  if (transferring()) {
    throw ValueError("FileSender: a transfer is already running");
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // NOLINT: POSIX varargs
  if (fd < 0) {
    throw ValueError(
        fmt::format("FileSender: cannot open '{}': {}", path.string(), std::strerror(errno)));
  }
  return begin(fd, path.string(), consumer, std::move(transform));
}

Deferred<std::uint64_t> FileSender::beginFileTransfer(int fd, IConsumer& consumer,
                                                      Transform transform) {
  if (transferring()) {
    throw ValueError("FileSender: a transfer is already running");
  }
  const int own = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);  // NOLINT: POSIX varargs
  if (own < 0) {
    throw ValueError(
        fmt::format("FileSender: cannot use descriptor {}: {}", fd, std::strerror(errno)));
  }
  return begin(own, fmt::format("descriptor {}", fd), consumer, std::move(transform));
}

Deferred<std::uint64_t> FileSender::begin(int ownedFd, std::string name, IConsumer& consumer,
                                          Transform transform) {
  fd_ = ownedFd;
  name_ = std::move(name);
  consumer_ = &consumer;
  transform_ = std::move(transform);
  sent_ = 0;
  Deferred<std::uint64_t> d;
  deferred_.emplace(d);
  try {
    consumer.registerProducer(*this, false);
  } catch (...) {
    // Not started: undo, and let the caller see the consumer's error (it throws, so the
    // Deferred is never seen and must not fire).
    deferred_.reset();
    closeFile();
    consumer_ = nullptr;
    throw;
  }
  return d;
}

void FileSender::closeFile() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Deferred<std::uint64_t> FileSender::finish() noexcept {
  closeFile();
  consumer_ = nullptr;
  transform_ = Transform();
  Deferred<std::uint64_t> d = std::move(*deferred_);
  deferred_.reset();
  return d;
}

void FileSender::resumeProducing() {
  if (!transferring()) {
    return;  // asked again after the end: nothing left
  }
  buffer_.resize(chunkSize_);
  ssize_t n = 0;
  do {
    n = ::read(fd_, buffer_.data(), buffer_.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int err = errno;
    consumer_->unregisterProducer();
    const std::string what =
        fmt::format("FileSender: reading {} failed: {}", name_, std::strerror(err));
    finish().errback(Failure(Error(what)));  // last act: `this` may be gone
    return;
  }
  if (n == 0) {
    consumer_->unregisterProducer();
    const std::uint64_t sent = sent_;
    finish().callback(sent);  // last act: `this` may be gone
    return;
  }
  buffer_.resize(static_cast<std::size_t>(n));
  if (transform_) {
    buffer_ = transform_(std::move(buffer_));
  }
  sent_ += buffer_.size();
  consumer_->write(buffer_);
}

void FileSender::stopProducing() {
  if (!transferring()) {
    return;
  }
  const std::string what = fmt::format(
      "FileSender: the consumer stopped the transfer of {} after {} bytes", name_, sent_);
  finish().errback(Failure(ConnectionLost(what)));  // last act: `this` may be gone
}

}  // namespace torsion
