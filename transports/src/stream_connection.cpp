#include "stream_connection.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <exception>
#include <utility>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <torsion/deferred/error.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "connector.hpp"
#include "protocol_access.hpp"
#include "socket_ops.hpp"

namespace torsion::detail {

namespace {

bool wouldBlock(int err) noexcept {
#if EAGAIN == EWOULDBLOCK
  return err == EAGAIN;
#else
  return err == EAGAIN || err == EWOULDBLOCK;
#endif
}

}  // namespace

StreamConnection::StreamConnection(Transports& owner, UniqueFd fd, AddressFamily family,
                                   Address peer, std::unique_ptr<Protocol> protocol,
                                   std::shared_ptr<Factory> factory, Connector* connector)
    : owner_(owner),
      fd_(std::move(fd)),
      family_(family),
      peer_(std::move(peer)),
      factory_(std::move(factory)),
      protocol_(std::move(protocol)),
      halfCloseable_(dynamic_cast<IHalfCloseableProtocol*>(protocol_.get())),
      connector_(connector) {}

StreamConnection::~StreamConnection() {
  stopReading();
  stopWriting();
  if (closeCall_.active()) {
    closeCall_.cancel();
  }
  if (protocol_) {
    ProtocolAccess::detach(*protocol_);
  }
}

void StreamConnection::start() {
  started_ = true;
  updateReading();
  try {
    protocol_->makeConnection(this);
  } catch (...) {
    failFromHook("connectionMade");
  }
}

// ---- writing ----------------------------------------------------------------------------------

void StreamConnection::write(std::string_view data) {
  if (state_ != State::kOpen || writeShutdownRequested_ || data.empty()) {
    return;
  }
  if (pending() == 0) {
    // Eager write: most writes fit in the socket buffer and never touch the reactor.
    const ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (!wouldBlock(errno) && errno != EINTR) {
        scheduleClose(lostFailure(errno));
        return;
      }
    } else {
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    if (data.empty()) {
      return;
    }
  }
  append(data);
  afterWrite();
}

void StreamConnection::writeSequence(std::span<const std::string_view> data) {
  if (state_ != State::kOpen || writeShutdownRequested_) {
    return;
  }
  std::size_t first = 0;
  if (pending() == 0) {
    // One sendmsg for the whole sequence (up to a batch of iovecs); buffer what it leaves.
    constexpr std::size_t kBatch = 64;
    std::array<iovec, kBatch> iov{};
    std::size_t count = 0;
    std::size_t total = 0;
    for (; count < data.size() && count < kBatch; ++count) {
      iov[count].iov_base = const_cast<char*>(data[count].data());  // NOLINT: sendmsg is const
      iov[count].iov_len = data[count].size();
      total += data[count].size();
    }
    if (total == 0 && count == data.size()) {
      return;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    ssize_t n = ::sendmsg(fd_.get(), &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (!wouldBlock(errno) && errno != EINTR) {
        scheduleClose(lostFailure(errno));
        return;
      }
      n = 0;
    }
    auto sent = static_cast<std::size_t>(n);
    // Skip what went out, then buffer the rest of the partly sent piece.
    while (first < count && sent >= data[first].size()) {
      sent -= data[first].size();
      ++first;
    }
    if (first < count) {
      append(data[first].substr(sent));
      ++first;
    }
  }
  for (; first < data.size(); ++first) {
    append(data[first]);
  }
  if (pending() > 0) {
    afterWrite();
  }
}

void StreamConnection::append(std::string_view data) {
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ > kCompactThreshold && offset_ * 2 > buffer_.size()) {
    // Compact once the sent prefix dominates, so the buffer does not grow without bound.
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset_));
    offset_ = 0;
  }
  buffer_.insert(buffer_.end(), data.begin(), data.end());
}

void StreamConnection::afterWrite() {
  startWriting();
  pauseProducerIfOver();
}

void StreamConnection::pauseProducerIfOver() {
  if (IPushProducer* producer = slot_.pauseIfOver(pending()); producer != nullptr) {
    try {
      producer->pauseProducing();
    } catch (...) {
      failFromHook("pauseProducing");
    }
  }
}

// Resumes a push producer paused by us once the backlog is at the low mark. Returns false if
// that closed the connection (so the caller must stop).
bool StreamConnection::resumeProducerIfDrained() {
  if (IPushProducer* producer = slot_.resumeIfDrained(pending()); producer != nullptr) {
    try {
      producer->resumeProducing();
    } catch (...) {
      failFromHook("resumeProducing");
      return false;
    }
    return state_ != State::kClosed;
  }
  return true;
}

void StreamConnection::setWriteBufferWatermarks(WriteBufferWatermarks marks) {
  ProducerSlot::checkWatermarks(marks, "setWriteBufferWatermarks");
  slot_.setWatermarks(marks);
  if (state_ == State::kClosed) {
    return;
  }
  pauseProducerIfOver();
  (void)resumeProducerIfDrained();
}

void StreamConnection::doWrite() {
  while (pending() > 0) {
    const ssize_t n = ::send(fd_.get(), buffer_.data() + offset_, pending(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (wouldBlock(errno)) {
        break;
      }
      scheduleClose(lostFailure(errno));
      return;
    }
    offset_ += static_cast<std::size_t>(n);
  }
  if (!resumeProducerIfDrained()) {
    return;
  }
  if (pending() > 0) {
    return;
  }
  buffer_.clear();
  offset_ = 0;
  if (IPullProducer* pull = slot_.pull(); pull != nullptr) {
    // A pull producer writes one chunk per drained buffer; stay registered to ask again.
    try {
      pull->resumeProducing();
    } catch (...) {
      failFromHook("resumeProducing");
    }
    return;
  }
  stopWriting();
  if (state_ == State::kDisconnecting && slot_.producer() == nullptr) {
    scheduleClose(Failure(ConnectionDone()));
  } else if (writeShutdownRequested_ && !writeShutdownDone_) {
    shutdownWrite();
  }
}

void StreamConnection::startWriting() {
  if (!writing_ && state_ != State::kClosed) {
    owner_.core().addWriter(*this);
    writing_ = true;
  }
}

void StreamConnection::stopWriting() noexcept {
  if (writing_) {
    writing_ = false;
    try {
      owner_.core().removeWriter(*this);
    } catch (...) {  // NOLINT(bugprone-empty-catch): registered, so it cannot fail
    }
  }
}

// ---- reading ----------------------------------------------------------------------------------

void StreamConnection::updateReading() {
  const bool want = started_ && state_ == State::kOpen && !paused_ && !readClosed_;
  if (want && !reading_) {
    owner_.core().addReader(*this);
    reading_ = true;
  } else if (!want) {
    stopReading();
  }
}

void StreamConnection::stopReading() noexcept {
  if (reading_) {
    reading_ = false;
    try {
      owner_.core().removeReader(*this);
    } catch (...) {  // NOLINT(bugprone-empty-catch): registered, so it cannot fail
    }
  }
}

void StreamConnection::doRead() {
  std::vector<char>& buffer = owner_.readBuffer();
  for (int i = 0; i < kReadBudget; ++i) {
    const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), 0);
    if (n > 0) {
      try {
        protocol_->dataReceived(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      } catch (...) {
        failFromHook("dataReceived");
        return;
      }
      // The protocol may have closed, aborted or paused us: re-check before reading more.
      if (!reading_) {
        return;
      }
      if (static_cast<std::size_t>(n) < buffer.size()) {
        // A short read drained the socket; poll again instead of reading EAGAIN. On the uv
        // backend too: its poller re-arms a handle that libuv stopped after POLLERR, so a
        // reset queued behind the data is reported on the next turn.
        return;
      }
      continue;
    }
    if (n == 0) {
      peerClosed();
      return;
    }
    if (errno == EINTR) {
      continue;
    }
    if (!wouldBlock(errno)) {
      scheduleClose(lostFailure(errno));
    }
    return;
  }
}

void StreamConnection::peerClosed() {
  readClosed_ = true;
  stopReading();
  if (halfCloseable_ != nullptr && !writeShutdownDone_) {
    try {
      halfCloseable_->readConnectionLost();
    } catch (...) {
      failFromHook("readConnectionLost");
    }
    return;
  }
  scheduleClose(Failure(ConnectionDone()));
}

void StreamConnection::pauseProducing() {
  paused_ = true;
  updateReading();
}

void StreamConnection::resumeProducing() {
  paused_ = false;
  if (state_ == State::kOpen) {
    updateReading();
  }
}

void StreamConnection::stopProducing() {
  loseConnection();
}

// ---- producers --------------------------------------------------------------------------------

void StreamConnection::registerProducer(IProducer& producer, bool streaming) {
  slot_.checkRegistration(producer, streaming);
  if (state_ == State::kClosed) {
    return;  // nothing will ever be asked of it
  }
  IPushProducer* pause = slot_.registerProducer(producer, streaming, pending());
  if (!streaming) {
    startWriting();
  } else if (pause != nullptr) {
    pause->pauseProducing();
  }
}

void StreamConnection::unregisterProducer() {
  (void)slot_.take();
  if (state_ == State::kDisconnecting && pending() == 0) {
    stopWriting();
    scheduleClose(Failure(ConnectionDone()));
  }
}

// ---- closing ----------------------------------------------------------------------------------

void StreamConnection::loseConnection() {
  if (state_ != State::kOpen) {
    return;
  }
  state_ = State::kDisconnecting;
  stopReading();
  if (pending() == 0 && slot_.producer() == nullptr) {
    scheduleClose(Failure(ConnectionDone()));
  } else {
    startWriting();
  }
}

void StreamConnection::abortConnection() {
  if (state_ == State::kClosed) {
    // A clean close still pending (connectionLost has not run) upgrades to an abort.
    if (!aborted_ && closeCall_.active() && reason_ && reason_->check<ConnectionDone>()) {
      aborted_ = true;
      reason_.emplace(ConnectionAborted());
    }
    return;
  }
  aborted_ = true;
  scheduleClose(Failure(ConnectionAborted()));
}

void StreamConnection::loseWriteConnection() {
  if (state_ != State::kOpen || writeShutdownRequested_) {
    return;
  }
  writeShutdownRequested_ = true;
  if (pending() == 0 && slot_.producer() == nullptr) {
    shutdownWrite();
  } else {
    startWriting();
  }
}

void StreamConnection::shutdownWrite() {
  writeShutdownDone_ = true;
  ::shutdown(fd_.get(), SHUT_WR);
  if (readClosed_) {
    scheduleClose(Failure(ConnectionDone()));  // both halves are closed now
  }
}

void StreamConnection::scheduleClose(Failure reason) {
  if (state_ == State::kClosed) {
    return;
  }
  state_ = State::kClosed;
  reason_.emplace(std::move(reason));
  stopReading();
  stopWriting();
  if (aborted_) {
    buffer_.clear();
    offset_ = 0;
  }
  closeCall_ = owner_.core().callLater(Seconds{0}, [this] { finishClose(); });
}

void StreamConnection::finishClose() {
  if (aborted_) {
    // Linger 0: close() sends a reset instead of a FIN, as an abort should.
    linger hard{1, 0};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }
  const Failure reason = *reason_;
  if (IProducer* producer = slot_.take(); producer != nullptr) {
    try {
      producer->stopProducing();
    } catch (...) {
      owner_.log().failure("stopProducing", std::current_exception());
    }
  }
  try {
    protocol_->endConnection(reason);
  } catch (...) {
    owner_.log().failure("connectionLost", std::current_exception());
  }
  fd_.reset();
  if (Connector* connector = std::exchange(connector_, nullptr); connector != nullptr) {
    connector->connectionLost(reason);
  }
  owner_.destroy(this);  // last act: `this` is gone
}

void StreamConnection::shutDown() {
  if (state_ != State::kClosed) {
    scheduleClose(Failure(ConnectionLost("Connection was closed: the reactor shut down")));
  }
  if (closeCall_.active()) {
    closeCall_.cancel();
  }
  finishClose();
}

void StreamConnection::failFromHook(const char* hook) {
  const std::exception_ptr error = std::current_exception();
  owner_.log().failure(hook, error);
  if (state_ != State::kClosed) {
    aborted_ = true;
    scheduleClose(Failure(error));
  }
}

// ---- addresses and options --------------------------------------------------------------------

Address StreamConnection::getHost() const {
  if (!host_) {
    host_ = localAddress(fd_.get(), family_);
  }
  return *host_;
}

void StreamConnection::checkTcp(const char* what) const {
  if (family_ == AddressFamily::kUnix) {
    throw ValueError(std::string(what) + ": not a TCP socket");
  }
}

void StreamConnection::setTcpNoDelay(bool enabled) {
  checkTcp("setTcpNoDelay");
  setIntOption(fd_.get(), IPPROTO_TCP, TCP_NODELAY, enabled ? 1 : 0, "TCP_NODELAY");
}

bool StreamConnection::getTcpNoDelay() const {
  return family_ != AddressFamily::kUnix && getIntOption(fd_.get(), IPPROTO_TCP, TCP_NODELAY) != 0;
}

void StreamConnection::setTcpKeepAlive(bool enabled) {
  checkTcp("setTcpKeepAlive");
  setIntOption(fd_.get(), SOL_SOCKET, SO_KEEPALIVE, enabled ? 1 : 0, "SO_KEEPALIVE");
}

bool StreamConnection::getTcpKeepAlive() const {
  return family_ != AddressFamily::kUnix && getIntOption(fd_.get(), SOL_SOCKET, SO_KEEPALIVE) != 0;
}

}  // namespace torsion::detail
