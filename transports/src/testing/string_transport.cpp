#include <algorithm>
#include <string>
#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>

#include "producer_slot.hpp"

namespace torsion::testing {

StringTransport::StringTransport() : StringTransport(StringTransportOptions{}) {}

StringTransport::StringTransport(StringTransportOptions options)
    : peer_(std::move(options.peer)),
      host_(std::move(options.host)),
      finite_(options.writeBufferLimit.has_value()),
      slot_(std::make_unique<detail::ProducerSlot>()) {
  if (options.lowWatermark && !finite_) {
    throw ValueError("StringTransport: lowWatermark needs a writeBufferLimit");
  }
  if (finite_) {
    const std::size_t limit = *options.writeBufferLimit;
    const std::size_t low = options.lowWatermark.value_or(limit / 4);
    if (low > limit) {
      throw ValueError(
          fmt::format("StringTransport: lowWatermark {} is above writeBufferLimit {}", low, limit));
    }
    slot_->setWatermarks({.high = limit, .low = low});
  }
}

StringTransport::~StringTransport() = default;

std::optional<std::size_t> StringTransport::writeBufferLimit() const noexcept {
  if (!finite_) {
    return std::nullopt;
  }
  return slot_->watermarks().high;
}

std::size_t StringTransport::lowWatermark() const noexcept {
  return slot_->watermarks().low;
}

IProducer* StringTransport::producer() const noexcept {
  return slot_->producer();
}

bool StringTransport::streaming() const noexcept {
  return slot_->streaming();
}

bool StringTransport::producerPaused() const noexcept {
  return slot_->paused();
}

WriteBufferWatermarks StringTransport::writeBufferWatermarks() const {
  return slot_->watermarks();
}

void StringTransport::setWriteBufferWatermarks(WriteBufferWatermarks marks) {
  detail::ProducerSlot::checkWatermarks(marks, "setWriteBufferWatermarks");
  finite_ = true;
  slot_->setWatermarks(marks);
  if (IPushProducer* pause = slot_->pauseIfOver(unsent()); pause != nullptr) {
    pause->pauseProducing();
  } else if (IPushProducer* resume = slot_->resumeIfDrained(unsent()); resume != nullptr) {
    resume->resumeProducing();
  }
}

void StringTransport::connect(Protocol& protocol) {
  protocol.makeConnection(this);
}

void StringTransport::clear() noexcept {
  data_.clear();
}

std::size_t StringTransport::unsent() const noexcept {
  return finite_ ? data_.size() : 0;
}

std::string StringTransport::drain(std::size_t n) {
  n = std::min(n, data_.size());
  std::string taken = data_.substr(0, n);
  data_.erase(0, n);
  // The order of StreamConnection::doWrite: resume a push producer at the low mark; then, if
  // the buffer is (still) empty, ask a pull producer for its next chunk.
  if (IPushProducer* producer = slot_->resumeIfDrained(unsent()); producer != nullptr) {
    producer->resumeProducing();
  }
  if (IPullProducer* pull = slot_->pull(); pull != nullptr && data_.empty()) {
    pull->resumeProducing();
  }
  closeMayComplete();
  return taken;
}

std::string StringTransport::drainAll() {
  return drain(data_.size());
}

void StringTransport::registerProducer(IProducer& producer, bool streaming) {
  slot_->checkRegistration(producer, streaming);
  if (lost_) {
    return;  // as on the real transport: nothing will ever be asked of it
  }
  if (IPushProducer* pause = slot_->registerProducer(producer, streaming, unsent());
      pause != nullptr) {
    pause->pauseProducing();
  }
}

void StringTransport::unregisterProducer() {
  (void)slot_->take();
  closeMayComplete();
}

void StringTransport::write(std::string_view data) {
  if (!writable()) {
    return;
  }
  data_.append(data);
  afterWrite();
}

void StringTransport::writeSequence(std::span<const std::string_view> data) {
  if (!writable()) {
    return;
  }
  for (const std::string_view piece : data) {
    data_.append(piece);
  }
  afterWrite();
}

void StringTransport::afterWrite() {
  if (IPushProducer* producer = slot_->pauseIfOver(unsent()); producer != nullptr) {
    producer->pauseProducing();
  }
}

void StringTransport::pauseProducing() {
  if (producerState_ != ProducerState::kStopped) {
    producerState_ = ProducerState::kPaused;
  }
}

void StringTransport::resumeProducing() {
  if (producerState_ != ProducerState::kStopped) {
    producerState_ = ProducerState::kProducing;
  }
}

void StringTransport::stopProducing() {
  producerState_ = ProducerState::kStopped;
  loseConnection();
}

void StringTransport::loseConnection() {
  if (disconnecting_) {
    return;
  }
  disconnecting_ = true;
  closeMayComplete();
}

void StringTransport::abortConnection() {
  if (aborted_) {
    return;
  }
  aborted_ = true;
  disconnecting_ = true;
  closeMayComplete();
}

void StringTransport::loseWriteConnection() {
  writeClosed_ = true;
}

IProducer* StringTransport::takeProducer() noexcept {
  return slot_->take();
}

}  // namespace torsion::testing
