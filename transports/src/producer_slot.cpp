#include "producer_slot.hpp"

#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>

namespace torsion::detail {

void ProducerSlot::checkWatermarks(WriteBufferWatermarks marks, const char* who) {
  if (marks.low > marks.high) {
    throw ValueError(fmt::format("{}: the low watermark {} exceeds the high watermark {}", who,
                                 marks.low, marks.high));
  }
}

void ProducerSlot::checkRegistration(IProducer& producer, bool streaming) const {
  if (producer_ != nullptr) {
    throw ValueError("registerProducer: a producer is already registered");
  }
  if (streaming ? dynamic_cast<IPushProducer*>(&producer) == nullptr
                : dynamic_cast<IPullProducer*>(&producer) == nullptr) {
    throw ValueError(streaming ? "registerProducer: streaming needs an IPushProducer"
                               : "registerProducer: non-streaming needs an IPullProducer");
  }
}

IPushProducer* ProducerSlot::registerProducer(IProducer& producer, bool streaming,
                                              std::size_t unsent) {
  producer_ = &producer;
  streaming_ = streaming;
  paused_ = false;
  // A producer registered while the buffer is already over the mark is paused at once.
  return pauseIfOver(unsent);
}

IProducer* ProducerSlot::take() noexcept {
  streaming_ = false;
  paused_ = false;
  return std::exchange(producer_, nullptr);
}

IPushProducer* ProducerSlot::pauseIfOver(std::size_t unsent) noexcept {
  if (producer_ == nullptr || !streaming_ || paused_ || unsent <= marks_.high) {
    return nullptr;
  }
  paused_ = true;
  return static_cast<IPushProducer*>(producer_);  // NOLINT: checked on register
}

IPushProducer* ProducerSlot::resumeIfDrained(std::size_t unsent) noexcept {
  if (producer_ == nullptr || !streaming_ || !paused_ || unsent > marks_.low) {
    return nullptr;
  }
  paused_ = false;
  return static_cast<IPushProducer*>(producer_);  // NOLINT: checked on register
}

IPullProducer* ProducerSlot::pull() const noexcept {
  if (producer_ == nullptr || streaming_) {
    return nullptr;
  }
  return static_cast<IPullProducer*>(producer_);  // NOLINT: checked on register
}

}  // namespace torsion::detail
