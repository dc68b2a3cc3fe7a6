#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/protocols/wrapping_factory.hpp>

namespace torsion {

ProtocolWrapper::ProtocolWrapper(std::shared_ptr<WrappingFactory> factory,
                                 std::unique_ptr<Protocol> wrapped)
    : factory_(std::move(factory)), wrapped_(std::move(wrapped)) {
  if (!factory_) {
    throw ValueError("ProtocolWrapper: the factory is null");
  }
  if (!wrapped_) {
    throw ValueError("ProtocolWrapper: the wrapped protocol is null");
  }
}

ProtocolWrapper::~ProtocolWrapper() {
  // A connection destroyed without connectionLost (a reactor torn down with live connections)
  // must still leave the factory's registry, or a policy would call into a dead wrapper.
  unregister();
}

void ProtocolWrapper::unregister() noexcept {
  if (registered_) {
    registered_ = false;
    factory_->unregisterProtocol(*this);
  }
}

ITransport* ProtocolWrapper::realTransport() const noexcept {
  return lost_ ? nullptr : transport();
}

void ProtocolWrapper::connectionMade() {
  // Marked first: if registering throws half-way, the unregister still cleans up.
  registered_ = true;
  factory_->registerProtocol(*this);
  wrapped_->makeConnection(this);
}

void ProtocolWrapper::dataReceived(std::string_view data) {
  wrapped_->dataReceived(data);
}

void ProtocolWrapper::connectionLost(const Failure& reason) {
  unregister();
  // Calls from the wrapped protocol's connectionLost still reach the real transport, which
  // ignores them there as it would for an unwrapped protocol; after it, the wrapper drops them,
  // and the wrapped protocol's transport() is null, as a real transport leaves it.
  try {
    wrapped_->endConnection(reason);
  } catch (...) {
    lost_ = true;
    throw;
  }
  lost_ = true;
}

void ProtocolWrapper::write(std::string_view data) {
  if (auto* t = realTransport(); t != nullptr) {
    t->write(data);
  }
}

void ProtocolWrapper::writeSequence(std::span<const std::string_view> data) {
  if (auto* t = realTransport(); t != nullptr) {
    t->writeSequence(data);
  }
}

void ProtocolWrapper::registerProducer(IProducer& producer, bool streaming) {
  if (auto* t = realTransport(); t != nullptr) {
    t->registerProducer(producer, streaming);
  }
}

void ProtocolWrapper::unregisterProducer() {
  if (auto* t = realTransport(); t != nullptr) {
    t->unregisterProducer();
  }
}

void ProtocolWrapper::pauseProducing() {
  if (auto* t = realTransport(); t != nullptr) {
    t->pauseProducing();
  }
}

void ProtocolWrapper::resumeProducing() {
  if (auto* t = realTransport(); t != nullptr) {
    t->resumeProducing();
  }
}

void ProtocolWrapper::stopProducing() {
  disconnecting_ = true;
  if (auto* t = realTransport(); t != nullptr) {
    t->stopProducing();
  }
}

void ProtocolWrapper::loseConnection() {
  disconnecting_ = true;
  if (auto* t = realTransport(); t != nullptr) {
    t->loseConnection();
  }
}

void ProtocolWrapper::abortConnection() {
  disconnecting_ = true;
  if (auto* t = realTransport(); t != nullptr) {
    t->abortConnection();
  }
}

bool ProtocolWrapper::disconnecting() const {
  if (disconnecting_ || lost_) {
    return true;
  }
  const ITransport* t = transport();
  return t != nullptr && t->disconnecting();
}

void ProtocolWrapper::setWriteBufferWatermarks(WriteBufferWatermarks marks) {
  if (auto* t = realTransport(); t != nullptr) {
    t->setWriteBufferWatermarks(marks);
  } else if (marks.low > marks.high) {
    throw ValueError(
        fmt::format("setWriteBufferWatermarks: the low watermark {} exceeds the high watermark {}",
                    marks.low, marks.high));
  }
}

WriteBufferWatermarks ProtocolWrapper::writeBufferWatermarks() const {
  if (auto* t = realTransport(); t != nullptr) {
    return t->writeBufferWatermarks();
  }
  return {};
}

Address ProtocolWrapper::getPeer() const {
  if (auto* t = realTransport(); t != nullptr) {
    return t->getPeer();
  }
  throw ValueError("ProtocolWrapper::getPeer: not connected");
}

Address ProtocolWrapper::getHost() const {
  if (auto* t = realTransport(); t != nullptr) {
    return t->getHost();
  }
  throw ValueError("ProtocolWrapper::getHost: not connected");
}

}  // namespace torsion
