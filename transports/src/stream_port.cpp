#include "stream_port.hpp"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <utility>

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "socket_ops.hpp"
#include "stream_connection.hpp"

namespace torsion::detail {

StreamPort::StreamPort(Transports& owner, UniqueFd fd, AddressFamily family,
                       std::shared_ptr<Factory> factory, std::string unlinkPath, dev_t device,
                       ino_t inode)
    : owner_(owner),
      fd_(std::move(fd)),
      family_(family),
      factory_(std::move(factory)),
      host_(localAddress(fd_.get(), family)),
      unlinkPath_(std::move(unlinkPath)),
      device_(device),
      inode_(inode) {}

StreamPort::~StreamPort() {
  stopReading();
  for (DelayedCall* call : {&startCall_, &retryCall_, &stopCall_}) {
    if (call->active()) {
      call->cancel();
    }
  }
}

void StreamPort::start() {
  startCall_ = owner_.core().callLater(Seconds{0}, [this] { begin(); });
}

void StreamPort::begin() {
  started_ = true;
  try {
    factory_->doStart();
  } catch (...) {
    owner_.log().failure("startFactory", std::current_exception());
  }
  if (!stopping_) {
    owner_.core().addReader(*this);
    reading_ = true;
  }
}

void StreamPort::stopReading() noexcept {
  if (reading_) {
    reading_ = false;
    try {
      owner_.core().removeReader(*this);
    } catch (...) {  // NOLINT(bugprone-empty-catch): registered, so it cannot fail
    }
  }
}

void StreamPort::doRead() {
  for (int i = 0; i < kAcceptBudget && reading_; ++i) {
    SockAddr peer;
    peer.length = sizeof peer.storage;
    UniqueFd fd(::accept4(fd_.get(), peer.get(), &peer.length, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      switch (errno) {
        case EAGAIN:
#if EAGAIN != EWOULDBLOCK
        case EWOULDBLOCK:
#endif
          return;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM:
          backOff(errno);
          return;
        case EINTR:
        case ECONNABORTED:
        case EPROTO:
        case EPERM:
          continue;  // that one connection is gone; the next may be fine
        default:
          owner_.log().error("accept on {}: {}", host_.toString(), errnoText(errno));
          return;
      }
    }
    if (backoff_ > 0) {
      owner_.log().info("accept on {} works again", host_.toString());
      backoff_ = 0;
    }
    const Address peerAddress = fromSockAddr(peer.get(), peer.length);
    std::unique_ptr<Protocol> protocol;
    try {
      protocol = factory_->buildProtocol(peerAddress);
    } catch (...) {
      owner_.log().failure("buildProtocol", std::current_exception());
    }
    if (!protocol) {
      continue;  // refused: the socket closes as `fd` goes out of scope
    }
    auto connection = std::make_unique<StreamConnection>(
        owner_, std::move(fd), family_, peerAddress, std::move(protocol), factory_, nullptr);
    owner_.adopt(std::move(connection)).start();
  }
}

void StreamPort::backOff(int err) {
  // Out of descriptors (or memory): stop polling the socket, which would stay readable and spin
  // the loop, and try again later. Pending connections wait in the kernel's backlog meanwhile.
  if (backoff_ == 0) {
    owner_.log().warn("accept on {} failed: {}; pausing accepts", host_.toString(), errnoText(err));
  }
  backoff_ = backoff_ == 0 ? kFirstBackoff : std::min(backoff_ * 2, kMaxBackoff);
  stopReading();
  retryCall_ = owner_.core().callLater(Seconds{backoff_}, [this] {
    if (!stopping_ && !reading_) {
      owner_.core().addReader(*this);
      reading_ = true;
    }
  });
}

void StreamPort::stopListening(UniqueFunction<void()> onStopped) {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  onStopped_ = std::move(onStopped);
  stopReading();
  stopCall_ = owner_.core().callLater(Seconds{0}, [this] { finishStop(); });
}

void StreamPort::finishStop() {
  for (DelayedCall* call : {&startCall_, &retryCall_, &stopCall_}) {
    if (call->active()) {
      call->cancel();
    }
  }
  fd_.reset();
  if (!unlinkPath_.empty()) {
    // Remove the socket file only if it is still the one we made.
    struct stat st {};

    if (::lstat(unlinkPath_.c_str(), &st) == 0 && st.st_dev == device_ && st.st_ino == inode_) {
      ::unlink(unlinkPath_.c_str());
    }
  }
  if (started_) {
    try {
      factory_->doStop();
    } catch (...) {
      owner_.log().failure("stopFactory", std::current_exception());
    }
  }
  owner_.destroyThenNotify(this, std::move(onStopped_));  // `this` is gone
}

void StreamPort::shutDown() {
  stopping_ = true;
  stopReading();
  finishStop();
}

}  // namespace torsion::detail
