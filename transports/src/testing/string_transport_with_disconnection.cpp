#include <exception>
#include <utility>

#include <torsion/testing/string_transport_with_disconnection.hpp>
#include <torsion/transports/errors.hpp>

namespace torsion::testing {

StringTransportWithDisconnection::StringTransportWithDisconnection()
    : StringTransportWithDisconnection(StringTransportOptions{}) {}

StringTransportWithDisconnection::StringTransportWithDisconnection(StringTransportOptions options,
                                                                   LossDelivery delivery)
    : StringTransport(std::move(options)), delivery_(delivery) {}

StringTransportWithDisconnection::StringTransportWithDisconnection(Protocol& protocol,
                                                                   StringTransportOptions options,
                                                                   LossDelivery delivery)
    : StringTransport(std::move(options)), protocol_(&protocol), delivery_(delivery) {}

StringTransportWithDisconnection::~StringTransportWithDisconnection() = default;

void StringTransportWithDisconnection::connect(Protocol& protocol) {
  protocol_ = &protocol;
  protocol.makeConnection(this);
}

void StringTransportWithDisconnection::closeMayComplete() {
  if (lost()) {
    // A clean close still waiting for delivery upgrades to an abort, as on the real transport.
    if (pending_ && aborted() && reason_ && !reason_->check<ConnectionAborted>()) {
      reason_.emplace(ConnectionAborted());
    }
    return;
  }
  if (!disconnecting()) {
    return;
  }
  if (!aborted() && (unsent() > 0 || producer() != nullptr)) {
    return;  // loseConnection waits for the flush and for the producer to unregister
  }
  markLost();
  reason_.emplace(aborted() ? Failure(ConnectionAborted()) : Failure(ConnectionDone()));
  pending_ = true;
  if (delivery_ == LossDelivery::kSynchronous) {
    finish();
  }
}

bool StringTransportWithDisconnection::deliverConnectionLost() {
  if (!pending_) {
    return false;
  }
  finish();
  return true;
}

void StringTransportWithDisconnection::finish() {
  pending_ = false;
  const Failure reason = *reason_;
  // Every step runs even if an earlier one throws; the first exception then reaches the test.
  std::exception_ptr error;
  if (IProducer* producer = takeProducer(); producer != nullptr) {
    try {
      producer->stopProducing();
    } catch (...) {
      error = std::current_exception();
    }
  }
  if (protocol_ != nullptr) {
    try {
      protocol_->endConnection(reason);
    } catch (...) {
      if (!error) {
        error = std::current_exception();
      }
    }
  }
  if (after_) {
    auto after = std::move(after_);
    after_ = nullptr;
    try {
      after(reason);
    } catch (...) {
      if (!error) {
        error = std::current_exception();
      }
    }
  }
  if (error) {
    std::rethrow_exception(error);
  }
}

}  // namespace torsion::testing
