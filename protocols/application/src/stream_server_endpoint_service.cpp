#include <cstddef>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <torsion/application/stream_server_endpoint_service.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/protocols/wrapping_factory.hpp>

#include "cancel_call.hpp"

namespace torsion {

namespace detail {

struct StreamServerLink {
  StreamServerEndpointService* service = nullptr;
};

/// Wraps each accepted protocol so the service knows which connections are open, and tells the
/// service when one goes away.
class DrainingFactory final : public WrappingFactory {
 public:
  DrainingFactory(std::shared_ptr<Factory> wrapped, std::shared_ptr<StreamServerLink> link)
      : WrappingFactory(std::move(wrapped)), link_(std::move(link)) {}

  void unregisterProtocol(ProtocolWrapper& protocol) noexcept override {
    WrappingFactory::unregisterProtocol(protocol);
    if (link_->service != nullptr) {
      link_->service->connectionGone();
    }
  }

 private:
  std::shared_ptr<StreamServerLink> link_;
};

}  // namespace detail

StreamServerEndpointService::StreamServerEndpointService(
    std::unique_ptr<IStreamServerEndpoint> endpoint, std::shared_ptr<Factory> factory,
    std::optional<DrainOptions> drain)
    : endpoint_(std::move(endpoint)),
      factory_(std::move(factory)),
      drain_(drain),
      link_(std::make_shared<detail::StreamServerLink>()) {
  if (!endpoint_) {
    throw ValueError("StreamServerEndpointService: the endpoint is null");
  }
  if (!factory_) {
    throw ValueError("StreamServerEndpointService: the factory is null");
  }
  link_->service = this;
  if (drain_) {
    if (drain_->clock == nullptr) {
      throw ValueError("StreamServerEndpointService: DrainOptions needs a clock");
    }
    if (!(drain_->timeout.count() >= 0)) {
      throw ValueError("StreamServerEndpointService: the drain timeout must be >= 0");
    }
    draining_ = std::make_shared<detail::DrainingFactory>(factory_, link_);
    factory_ = draining_;
  }
}

StreamServerEndpointService::~StreamServerEndpointService() {
  link_->service = nullptr;
  detail::cancelIfActive(drainTimer_);
  detail::cancelIfActive(finishCall_);
  if (port_ != nullptr && !portClosing_) {
    port_->stopListening();
  }
}

void StreamServerEndpointService::listen() {
  if (port_ == nullptr) {
    port_ = &endpoint_->listen(factory_);
    portClosing_ = false;
  }
}

void StreamServerEndpointService::privilegedStartService() {
  Service::privilegedStartService();
  listen();
}

void StreamServerEndpointService::startService() {
  listen();
  Service::startService();
}

Deferred<void> StreamServerEndpointService::stopService() {
  (void)Service::stopService();
  if (stopping_) {
    return *stopping_;  // a stop is already under way: wait for the same one
  }
  Deferred<void> stopped;
  stopping_ = stopped;
  if (port_ != nullptr && !portClosing_) {
    portClosing_ = true;
    port_->stopListening([link = link_] {
      if (link->service != nullptr) {
        link->service->portClosed();
      }
    });
  }
  if (draining_) {
    // Copy: loseConnection may unregister a wrapper at once (a test transport).
    std::vector<ProtocolWrapper*> open = draining_->protocols();
    for (ProtocolWrapper* wrapper : open) {
      wrapper->loseConnection();
    }
    if (!draining_->protocols().empty()) {
      drainTimer_ = drain_->clock->callLater(drain_->timeout, [this] { abortRemaining(); });
    }
  }
  maybeFinishStop();
  return stopped;
}

std::size_t StreamServerEndpointService::connectionCount() const noexcept {
  return draining_ ? draining_->protocols().size() : 0;
}

void StreamServerEndpointService::portClosed() {
  port_ = nullptr;
  portClosing_ = false;
  maybeFinishStop();
}

void StreamServerEndpointService::connectionGone() {
  // Called from inside a connection's connectionLost: finish on a later turn, so the stop
  // Deferred's callbacks (which may destroy this service) never run inside the transport.
  if (stopping_ && !finishCall_.active() && draining_->protocols().empty()) {
    finishCall_ = drain_->clock->callLater(Seconds{0}, [this] { maybeFinishStop(); });
  }
}

void StreamServerEndpointService::abortRemaining() {
  std::vector<ProtocolWrapper*> open = draining_->protocols();
  for (ProtocolWrapper* wrapper : open) {
    wrapper->abortConnection();
  }
}

void StreamServerEndpointService::maybeFinishStop() {
  if (!stopping_ || port_ != nullptr || (draining_ && !draining_->protocols().empty())) {
    return;
  }
  detail::cancelIfActive(drainTimer_);
  Deferred<void> stopped = std::move(*stopping_);
  stopping_.reset();
  stopped.callback();  // last: a callback may destroy this service
}

}  // namespace torsion
