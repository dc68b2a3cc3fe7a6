#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/testing/loopback_pump.hpp>
#include <torsion/testing/loopback_transport.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "producer_slot.hpp"
#include "protocol_access.hpp"

namespace torsion::testing {

LoopbackTransport::LoopbackTransport(LoopbackPump& pump, Address host, Address peer)
    : pump_(pump),
      host_(std::move(host)),
      peer_(std::move(peer)),
      slot_(std::make_unique<detail::ProducerSlot>()) {
  // The pump checked its options; they are each end's initial marks.
  slot_->setWatermarks({.high = pump.options().highWatermark, .low = pump.options().lowWatermark});
}

LoopbackTransport::~LoopbackTransport() = default;

IProducer* LoopbackTransport::producer() const noexcept {
  return slot_->producer();
}

bool LoopbackTransport::streaming() const noexcept {
  return slot_->streaming();
}

bool LoopbackTransport::producerPaused() const noexcept {
  return slot_->paused();
}

WriteBufferWatermarks LoopbackTransport::writeBufferWatermarks() const {
  return slot_->watermarks();
}

void LoopbackTransport::setWriteBufferWatermarks(WriteBufferWatermarks marks) {
  detail::ProducerSlot::checkWatermarks(marks, "setWriteBufferWatermarks");
  slot_->setWatermarks(marks);
  if (state_ == State::kClosed || state_ == State::kDone) {
    return;
  }
  checkHighWatermark();
  (void)resumeIfDrained();
}

void LoopbackTransport::attach(Protocol& protocol, LoopbackTransport& peer) {
  protocol_ = &protocol;
  halfCloseable_ = dynamic_cast<IHalfCloseableProtocol*>(&protocol);
  other_ = &peer;
}

void LoopbackTransport::start() {
  try {
    protocol_->makeConnection(this);
  } catch (...) {
    failFromHook("connectionMade");
  }
}

void LoopbackTransport::detach() noexcept {
  if (protocol_ != nullptr && state_ != State::kDone && protocol_->transport() == this) {
    detail::ProtocolAccess::detach(*protocol_);
  }
}

// ---- writing ----------------------------------------------------------------------------------

void LoopbackTransport::write(std::string_view data) {
  if (state_ != State::kOpen || writeShutdownRequested_ || data.empty()) {
    return;
  }
  append(data);
  checkHighWatermark();
}

void LoopbackTransport::writeSequence(std::span<const std::string_view> data) {
  if (state_ != State::kOpen || writeShutdownRequested_) {
    return;
  }
  // One write of the concatenation, as the interface promises (and as one sendmsg sends it).
  std::string joined;
  for (const std::string_view piece : data) {
    joined.append(piece);
  }
  write(joined);
}

void LoopbackTransport::append(std::string_view data) {
  unsent_.emplace_back(data);
  unsentBytes_ += data.size();
  pump_.noteActivity();
}

void LoopbackTransport::clearUnsent() noexcept {
  unsent_.clear();
  unsentBytes_ = 0;
}

void LoopbackTransport::clearInFlight() noexcept {
  inFlight_.clear();
  inFlightBytes_ = 0;
}

void LoopbackTransport::checkHighWatermark() {
  if (IPushProducer* producer = slot_->pauseIfOver(unsentBytes_); producer != nullptr) {
    pump_.noteActivity();
    try {
      producer->pauseProducing();
    } catch (...) {
      failFromHook("pauseProducing");
    }
  }
}

// Resumes a push producer paused by us once the backlog is at the low mark. Returns false if
// that closed the connection (so the caller must stop).
bool LoopbackTransport::resumeIfDrained() {
  if (IPushProducer* producer = slot_->resumeIfDrained(unsentBytes_); producer != nullptr) {
    pump_.noteActivity();
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

void LoopbackTransport::moveIntoNetwork() {
  // Move unsent bytes into the network while it has room, splitting the last write if needed.
  const std::optional<std::size_t> limit = pump_.options().bufferLimit;
  while (!unsent_.empty()) {
    const std::size_t room =
        limit ? (*limit > inFlightBytes_ ? *limit - inFlightBytes_ : 0) : unsentBytes_;
    if (room == 0) {
      break;
    }
    std::string& front = unsent_.front();
    if (front.size() <= room) {
      inFlightBytes_ += front.size();
      unsentBytes_ -= front.size();
      inFlight_.push_back(std::move(front));
      unsent_.pop_front();
    } else {
      inFlight_.push_back(front.substr(0, room));
      front.erase(0, room);
      inFlightBytes_ += room;
      unsentBytes_ -= room;
    }
    pump_.noteActivity();
  }
}

void LoopbackTransport::transmit() {
  if (state_ == State::kClosed || state_ == State::kDone) {
    return;
  }
  moveIntoNetwork();
  // From here on this is StreamConnection::doWrite after a send: the socket was writable.
  if (!resumeIfDrained()) {
    return;
  }
  if (unsentBytes_ > 0) {
    return;
  }
  if (IPullProducer* pull = slot_->pull(); pull != nullptr) {
    // A pull producer writes one chunk per drained buffer. Each ask counts as activity, as a
    // socket stays writable: a producer that never unregisters keeps the pump busy until
    // pump() gives up, where a reactor would spin.
    pump_.noteActivity();
    try {
      pull->resumeProducing();
    } catch (...) {
      failFromHook("resumeProducing");
    }
    return;
  }
  if (state_ == State::kDisconnecting && slot_->producer() == nullptr) {
    scheduleClose(Failure(ConnectionDone()));
  } else if (writeShutdownRequested_ && !writeShutdownDone_) {
    shutdownWrite();
  }
}

// ---- reading ----------------------------------------------------------------------------------

bool LoopbackTransport::reading() const noexcept {
  return state_ == State::kOpen && !paused_ && !readClosed_;
}

std::string LoopbackTransport::takeInFlight(std::size_t size) {
  std::string piece;
  piece.reserve(size);
  while (piece.size() < size && !inFlight_.empty()) {
    std::string& front = inFlight_.front();
    const std::size_t n = std::min(size - piece.size(), front.size());
    piece.append(front, 0, n);
    if (n == front.size()) {
      inFlight_.pop_front();
    } else {
      front.erase(0, n);
    }
    inFlightBytes_ -= n;
  }
  return piece;
}

void LoopbackTransport::receive() {
  LoopbackTransport& from = *other_;
  if (from.inFlight_.empty()) {
    return;
  }
  if (state_ != State::kOpen) {
    // A closing end reads no more; what reaches it is lost with its socket.
    from.clearInFlight();
    pump_.noteActivity();
    return;
  }
  // Re-check after every call: the protocol may have paused, closed or aborted either end.
  while (!from.inFlight_.empty() && reading()) {
    const std::size_t size =
        pump_.nextPieceSize(from.inFlightBytes_, from.inFlight_.front().size());
    const std::string piece = from.takeInFlight(size);
    pump_.noteActivity();
    try {
      protocol_->dataReceived(piece);
    } catch (...) {
      failFromHook("dataReceived");
      return;
    }
  }
}

void LoopbackTransport::deliverEnding() {
  if (ending_ == Ending::kNone || endingDelivered_) {
    return;
  }
  LoopbackTransport& to = *other_;
  if (to.state_ == State::kClosed || to.state_ == State::kDone) {
    endingDelivered_ = true;  // nobody is left to hear it
    clearInFlight();
    return;
  }
  if (ending_ == Ending::kReset) {
    // The peer notices a reset when it reads past the bytes ahead of it, or at once when it
    // writes (its send fails), which also discards what it had not read.
    if (to.unsentBytes_ == 0 && (!inFlight_.empty() || !to.reading())) {
      return;
    }
    endingDelivered_ = true;
    clearInFlight();
    pump_.noteActivity();
    to.peerReset();
    return;
  }
  // A FIN is read like data: after the bytes ahead of it, and only by an end that is reading.
  if (!inFlight_.empty() || !to.reading()) {
    return;
  }
  endingDelivered_ = true;
  pump_.noteActivity();
  to.peerClosed();
}

void LoopbackTransport::peerClosed() {
  readClosed_ = true;
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

void LoopbackTransport::peerReset() {
  if (state_ == State::kClosed || state_ == State::kDone) {
    return;
  }
  resetByPeer_ = true;
  clearUnsent();
  clearInFlight();
  scheduleClose(Failure(ConnectionLost("Connection reset by peer")));
}

// ---- pausing (this transport as a producer of received bytes) -------------------------------

void LoopbackTransport::pauseProducing() {
  if (!paused_) {
    paused_ = true;
    pump_.noteActivity();
  }
}

void LoopbackTransport::resumeProducing() {
  if (paused_) {
    paused_ = false;
    pump_.noteActivity();
  }
}

void LoopbackTransport::stopProducing() {
  loseConnection();
}

// ---- producers --------------------------------------------------------------------------------

void LoopbackTransport::registerProducer(IProducer& producer, bool streaming) {
  slot_->checkRegistration(producer, streaming);
  if (state_ == State::kClosed || state_ == State::kDone) {
    return;  // nothing will ever be asked of it
  }
  IPushProducer* pause = slot_->registerProducer(producer, streaming, unsentBytes_);
  pump_.noteActivity();
  if (pause != nullptr) {
    pause->pauseProducing();
  }
}

void LoopbackTransport::unregisterProducer() {
  if (slot_->take() == nullptr) {
    return;
  }
  pump_.noteActivity();
  if (state_ == State::kDisconnecting && unsentBytes_ == 0) {
    scheduleClose(Failure(ConnectionDone()));
  }
}

// ---- closing ----------------------------------------------------------------------------------

void LoopbackTransport::loseConnection() {
  if (state_ != State::kOpen) {
    return;
  }
  state_ = State::kDisconnecting;
  pump_.noteActivity();
  if (unsentBytes_ == 0 && slot_->producer() == nullptr) {
    scheduleClose(Failure(ConnectionDone()));
  }
}

void LoopbackTransport::abortConnection() {
  if (state_ == State::kDone) {
    return;
  }
  if (state_ == State::kClosed) {
    // A clean close whose connectionLost has not run yet upgrades to an abort.
    if (!aborted_ && !resetByPeer_ && reason_ && reason_->check<ConnectionDone>()) {
      aborted_ = true;
      reason_.emplace(ConnectionAborted());
    }
    return;
  }
  aborted_ = true;
  scheduleClose(Failure(ConnectionAborted()));
}

void LoopbackTransport::loseWriteConnection() {
  if (state_ != State::kOpen || writeShutdownRequested_) {
    return;
  }
  writeShutdownRequested_ = true;
  pump_.noteActivity();
  if (unsentBytes_ == 0 && slot_->producer() == nullptr) {
    shutdownWrite();
  }
}

void LoopbackTransport::shutdownWrite() {
  writeShutdownDone_ = true;
  ending_ = Ending::kFin;
  pump_.noteActivity();
  if (readClosed_) {
    scheduleClose(Failure(ConnectionDone()));  // both halves are closed now
  }
}

void LoopbackTransport::scheduleClose(Failure reason) {
  if (state_ == State::kClosed || state_ == State::kDone) {
    return;
  }
  state_ = State::kClosed;
  reason_.emplace(std::move(reason));
  pump_.noteActivity();
  if (aborted_) {
    clearUnsent();
  }
}

void LoopbackTransport::finishCloseIfDue() {
  if (state_ != State::kClosed) {
    return;
  }
  state_ = State::kDone;
  pump_.noteActivity();
  // Closing the socket drops what was never sent, and tells the peer: a reset after an abort
  // (linger 0), a FIN otherwise (unless one went already, or the peer reset us).
  clearUnsent();
  if (aborted_) {
    ending_ = Ending::kReset;
    endingDelivered_ = false;
  } else if (resetByPeer_) {
    clearInFlight();
  } else if (ending_ == Ending::kNone) {
    ending_ = Ending::kFin;
  }
  const Failure reason = *reason_;
  if (IProducer* producer = slot_->take(); producer != nullptr) {
    try {
      producer->stopProducing();
    } catch (...) {
      pump_.log().failure("stopProducing", std::current_exception());
    }
  }
  try {
    protocol_->endConnection(reason);
  } catch (...) {
    pump_.log().failure("connectionLost", std::current_exception());
  }
}

void LoopbackTransport::failFromHook(const char* hook) {
  const std::exception_ptr error = std::current_exception();
  pump_.log().failure(hook, error);
  if (state_ != State::kClosed && state_ != State::kDone) {
    aborted_ = true;
    scheduleClose(Failure(error));
  }
}

// ---- TCP options ------------------------------------------------------------------------------

void LoopbackTransport::checkTcp(const char* what) const {
  if (host_.family() == AddressFamily::kUnix) {
    throw ValueError(std::string(what) + ": not a TCP socket");
  }
}

void LoopbackTransport::setTcpNoDelay(bool enabled) {
  checkTcp("setTcpNoDelay");
  noDelay_ = enabled;
}

void LoopbackTransport::setTcpKeepAlive(bool enabled) {
  checkTcp("setTcpKeepAlive");
  keepAlive_ = enabled;
}

}  // namespace torsion::testing
