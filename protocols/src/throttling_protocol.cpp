#include <cstddef>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/throttling_factory.hpp>
#include <torsion/protocols/throttling_protocol.hpp>
#include <torsion/transports/ipush_producer.hpp>

namespace torsion {

namespace {

const std::shared_ptr<ThrottlingFactory>& checked(
    const std::shared_ptr<ThrottlingFactory>& factory) {
  if (!factory) {
    throw ValueError("ThrottlingProtocol: the factory is null");
  }
  return factory;
}

}  // namespace

/// Stands between the real transport and the wrapped protocol's push producer: the producer
/// runs only while neither the transport nor the throttle holds it paused.
class ThrottlingProtocol::PushGate final : public IPushProducer {
 public:
  explicit PushGate(IPushProducer& producer) : producer_(producer) {}

  void pauseProducing() override {
    pausedByConsumer_ = true;
    update();
  }

  void resumeProducing() override {
    pausedByConsumer_ = false;
    update();
  }

  void stopProducing() override { producer_.stopProducing(); }

  void setThrottled(bool throttled) {
    throttled_ = throttled;
    update();
  }

 private:
  void update() {
    const bool wanted = pausedByConsumer_ || throttled_;
    if (wanted == paused_) {
      return;
    }
    paused_ = wanted;
    if (wanted) {
      producer_.pauseProducing();
    } else {
      producer_.resumeProducing();
    }
  }

  IPushProducer& producer_;
  bool pausedByConsumer_ = false;
  bool throttled_ = false;
  bool paused_ = false;
};

ThrottlingProtocol::ThrottlingProtocol(const std::shared_ptr<ThrottlingFactory>& factory,
                                       std::unique_ptr<Protocol> wrapped)
    : ProtocolWrapper(checked(factory), std::move(wrapped)), throttler_(*factory) {}

ThrottlingProtocol::~ThrottlingProtocol() = default;

void ThrottlingProtocol::dataReceived(std::string_view data) {
  throttler_.registerRead(data.size());
  ProtocolWrapper::dataReceived(data);
}

void ThrottlingProtocol::write(std::string_view data) {
  throttler_.registerWritten(data.size());
  ProtocolWrapper::write(data);
}

void ThrottlingProtocol::writeSequence(std::span<const std::string_view> data) {
  std::size_t total = 0;
  for (const std::string_view piece : data) {
    total += piece.size();
  }
  throttler_.registerWritten(total);
  ProtocolWrapper::writeSequence(data);
}

void ThrottlingProtocol::registerProducer(IProducer& producer, bool streaming) {
  if (!streaming) {
    ProtocolWrapper::registerProducer(producer, streaming);
    return;
  }
  auto* push = dynamic_cast<IPushProducer*>(&producer);
  if (push == nullptr) {
    throw ValueError("registerProducer: streaming needs an IPushProducer");
  }
  if (gate_) {
    throw ValueError("registerProducer: a producer is already registered");
  }
  auto gate = std::make_unique<PushGate>(*push);
  ProtocolWrapper::registerProducer(*gate, true);
  gate_ = std::move(gate);
  gate_->setThrottled(writesThrottled_);
}

void ThrottlingProtocol::unregisterProducer() {
  ProtocolWrapper::unregisterProducer();
  gate_.reset();
}

void ThrottlingProtocol::pauseProducing() {
  pausedByProtocol_ = true;
  updateReading();
}

void ThrottlingProtocol::resumeProducing() {
  pausedByProtocol_ = false;
  updateReading();
}

void ThrottlingProtocol::throttleReads() {
  readsThrottled_ = true;
  updateReading();
}

void ThrottlingProtocol::unthrottleReads() {
  readsThrottled_ = false;
  updateReading();
}

void ThrottlingProtocol::throttleWrites() {
  writesThrottled_ = true;
  if (gate_) {
    gate_->setThrottled(true);
  }
}

void ThrottlingProtocol::unthrottleWrites() {
  writesThrottled_ = false;
  if (gate_) {
    gate_->setThrottled(false);
  }
}

void ThrottlingProtocol::updateReading() {
  const bool wanted = readsThrottled_ || pausedByProtocol_;
  if (wanted == readingPaused_) {
    return;
  }
  readingPaused_ = wanted;
  if (wanted) {
    ProtocolWrapper::pauseProducing();
  } else {
    ProtocolWrapper::resumeProducing();
  }
}

}  // namespace torsion
