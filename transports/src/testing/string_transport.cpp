#include <algorithm>
#include <string>
#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/testing/string_transport.hpp>
#include <torsion/transports/ipull_producer.hpp>
#include <torsion/transports/ipush_producer.hpp>

namespace torsion::testing {

StringTransport::StringTransport() : StringTransport(StringTransportOptions{}) {}

StringTransport::StringTransport(StringTransportOptions options)
    : peer_(std::move(options.peer)),
      host_(std::move(options.host)),
      limit_(options.writeBufferLimit) {
  if (options.lowWatermark && !limit_) {
    throw ValueError("StringTransport: lowWatermark needs a writeBufferLimit");
  }
  if (limit_) {
    low_ = options.lowWatermark.value_or(*limit_ / 4);
    if (low_ > *limit_) {
      throw ValueError(fmt::format("StringTransport: lowWatermark {} is above writeBufferLimit {}",
                                   low_, *limit_));
    }
  }
}

StringTransport::~StringTransport() = default;

void StringTransport::connect(Protocol& protocol) {
  protocol.makeConnection(this);
}

void StringTransport::clear() noexcept {
  data_.clear();
}

std::size_t StringTransport::unsent() const noexcept {
  return limit_ ? data_.size() : 0;
}

std::string StringTransport::drain(std::size_t n) {
  n = std::min(n, data_.size());
  std::string taken = data_.substr(0, n);
  data_.erase(0, n);
  // The order of StreamConnection::doWrite: resume a push producer at the low mark; then, if
  // the buffer is (still) empty, ask a pull producer for its next chunk.
  if (producer_ != nullptr && streaming_ && producerPaused_ && unsent() <= low_) {
    producerPaused_ = false;
    static_cast<IPushProducer*>(producer_)->resumeProducing();  // NOLINT: checked on register
  }
  if (producer_ != nullptr && !streaming_ && data_.empty()) {
    static_cast<IPullProducer*>(producer_)->resumeProducing();  // NOLINT: checked on register
  }
  closeMayComplete();
  return taken;
}

std::string StringTransport::drainAll() {
  return drain(data_.size());
}

void StringTransport::registerProducer(IProducer& producer, bool streaming) {
  if (producer_ != nullptr) {
    throw ValueError("registerProducer: a producer is already registered");
  }
  if (streaming ? dynamic_cast<IPushProducer*>(&producer) == nullptr
                : dynamic_cast<IPullProducer*>(&producer) == nullptr) {
    throw ValueError(streaming ? "registerProducer: streaming needs an IPushProducer"
                               : "registerProducer: non-streaming needs an IPullProducer");
  }
  if (lost_) {
    return;  // as on the real transport: nothing will ever be asked of it
  }
  producer_ = &producer;
  streaming_ = streaming;
  producerPaused_ = false;
  if (streaming && limit_ && unsent() > *limit_) {
    producerPaused_ = true;
    dynamic_cast<IPushProducer&>(producer).pauseProducing();
  }
}

void StringTransport::unregisterProducer() {
  producer_ = nullptr;
  streaming_ = false;
  producerPaused_ = false;
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
  if (producer_ != nullptr && streaming_ && !producerPaused_ && limit_ && unsent() > *limit_) {
    producerPaused_ = true;
    static_cast<IPushProducer*>(producer_)->pauseProducing();  // NOLINT: checked on register
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
  producerPaused_ = false;
  streaming_ = false;
  return std::exchange(producer_, nullptr);
}

}  // namespace torsion::testing
