#include <exception>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <torsion/application/client_service.hpp>
#include <torsion/deferred/deferred_error.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>
#include <torsion/protocols/wrapping_factory.hpp>

#include "cancel_call.hpp"

namespace torsion {

namespace detail {

struct ClientServiceLink {
  ClientService* service = nullptr;
};

/// The wrapper around each protocol the service's connections use: it tells the service when
/// the connection is made (after the wrapped protocol's connectionMade) and lost (after its
/// connectionLost).
class ClientServiceWrapper final : public ProtocolWrapper {
 public:
  ClientServiceWrapper(std::shared_ptr<WrappingFactory> factory, std::unique_ptr<Protocol> wrapped,
                       std::shared_ptr<ClientServiceLink> link)
      : ProtocolWrapper(std::move(factory), std::move(wrapped)), link_(std::move(link)) {}

  void connectionMade() override {
    ProtocolWrapper::connectionMade();
    if (link_->service != nullptr) {
      link_->service->connectionMade(*this);
    }
  }

  void connectionLost(const Failure& reason) override {
    ProtocolWrapper::connectionLost(reason);
    if (link_->service != nullptr) {
      link_->service->connectionLost(*this);
    }
  }

 private:
  std::shared_ptr<ClientServiceLink> link_;
};

class ClientServiceFactory final : public WrappingFactory {
 public:
  ClientServiceFactory(std::shared_ptr<Factory> wrapped, std::shared_ptr<ClientServiceLink> link)
      : WrappingFactory(std::move(wrapped)), link_(std::move(link)) {}

 protected:
  std::unique_ptr<ProtocolWrapper> wrapProtocol(std::unique_ptr<Protocol> wrapped) override {
    return std::make_unique<ClientServiceWrapper>(sharedSelf(), std::move(wrapped), link_);
  }

 private:
  std::shared_ptr<ClientServiceLink> link_;
};

}  // namespace detail

ClientService::ClientService(std::unique_ptr<IStreamClientEndpoint> endpoint,
                             std::shared_ptr<Factory> factory, IReactorTime& clock,
                             ClientServiceOptions options)
    : endpoint_(std::move(endpoint)),
      clock_(clock),
      retryPolicy_(std::move(options.retryPolicy)),
      link_(std::make_shared<detail::ClientServiceLink>()) {
  if (!endpoint_) {
    throw ValueError("ClientService: the endpoint is null");
  }
  if (!factory) {
    throw ValueError("ClientService: the factory is null");
  }
  if (!retryPolicy_) {
    retryPolicy_ = backoffPolicy();
  }
  link_->service = this;
  factory_ = std::make_shared<detail::ClientServiceFactory>(std::move(factory), link_);
}

ClientService::~ClientService() {
  link_->service = nullptr;
  detail::cancelIfActive(retryCall_);
  // A destructor must not throw; what could (a user's callback on a waiter is already caught
  // by its Deferred) is logged instead.
  try {
    if (connector_ != nullptr) {
      connector_->stopConnecting();
    }
    if (current_ != nullptr) {
      current_->loseConnection();
    }
    cancelWaiters();
    std::vector<Deferred<void>> stops = std::exchange(stopWaiters_, {});
    for (Deferred<void>& d : stops) {
      d.callback();
    }
  } catch (...) {
    Logger("torsion.application").failure("~ClientService", std::current_exception());
  }
}

void ClientService::startService() {
  Service::startService();
  switch (state_) {
    case State::kIdle:
    case State::kStopped:
      failedAttempts_ = 0;
      connect();
      break;
    case State::kDisconnecting:
      failedAttempts_ = 0;
      state_ = State::kRestarting;
      break;
    case State::kConnecting:
    case State::kConnected:
    case State::kWaiting:
    case State::kRestarting:
      break;
  }
}

Deferred<void> ClientService::stopService() {
  (void)Service::stopService();
  switch (state_) {
    case State::kIdle:
    case State::kStopped:
      state_ = State::kStopped;
      cancelWaiters();
      return succeed();
    case State::kWaiting:
      detail::cancelIfActive(retryCall_);
      state_ = State::kStopped;
      cancelWaiters();
      return succeed();
    case State::kConnecting:
    case State::kConnected:
    case State::kDisconnecting:
    case State::kRestarting:
      break;
  }
  Deferred<void> stopped;
  stopWaiters_.push_back(stopped);
  State previous = std::exchange(state_, State::kDisconnecting);
  cancelWaiters();
  if (previous == State::kConnecting && connector_ != nullptr) {
    connector_->stopConnecting();  // reported later, as ConnectingCancelledError
  } else if (previous == State::kConnected && current_ != nullptr) {
    current_->loseConnection();  // connectionLost comes later
  }
  return stopped;
}

Deferred<Protocol*> ClientService::whenConnected(std::optional<int> failAfterFailures) {
  if (failAfterFailures && *failAfterFailures < 1) {
    throw ValueError("whenConnected: failAfterFailures must be at least 1");
  }
  switch (state_) {
    case State::kConnected:
      return succeed<Protocol*>(&current_->wrappedProtocol());
    case State::kStopped:
    case State::kDisconnecting:
      return fail<Protocol*>(CancelledError());
    case State::kIdle:
    case State::kConnecting:
    case State::kWaiting:
    case State::kRestarting:
      break;
  }
  Deferred<Protocol*> d;
  waiters_.push_back(Waiter{d, failAfterFailures});
  return d;
}

Protocol* ClientService::connectedProtocol() const noexcept {
  return state_ == State::kConnected && current_ != nullptr ? &current_->wrappedProtocol()
                                                            : nullptr;
}

void ClientService::connect() {
  state_ = State::kConnecting;
  try {
    std::shared_ptr<detail::ClientServiceLink> link = link_;
    connector_ = &endpoint_->connect(
        factory_, [](Protocol& /*made: the wrapper reports it*/) {},
        [link](const Failure& reason) {
          if (link->service != nullptr) {
            link->service->connectionFailed(reason);
          }
        });
  } catch (...) {
    // An endpoint that cannot even start an attempt counts as a failed attempt, reported on a
    // later turn as a real failure would be (never inside startService).
    connector_ = nullptr;
    retryCall_ = clock_.callLater(
        Seconds{0}, [this, failure = Failure::current()] { connectionFailed(failure); });
  }
}

void ClientService::connectionMade(detail::ClientServiceWrapper& wrapper) {
  connector_ = nullptr;  // not needed once connected; the connection itself is closed directly
  current_ = &wrapper;
  if (state_ != State::kConnecting) {
    // Stopped while the attempt was finishing: close what arrived; its loss ends the stop.
    wrapper.loseConnection();
    return;
  }
  state_ = State::kConnected;
  failedAttempts_ = 0;
  notifyWaiters(&wrapper.wrappedProtocol());
}

void ClientService::connectionFailed(const Failure& reason) {
  connector_ = nullptr;
  switch (state_) {
    case State::kConnecting:
      ++failedAttempts_;
      scheduleRetry();
      failWaiters(reason);
      break;
    case State::kDisconnecting:
    case State::kRestarting:
      finishStopping();
      break;
    case State::kIdle:
    case State::kConnected:
    case State::kWaiting:
    case State::kStopped:
      break;
  }
}

void ClientService::connectionLost(detail::ClientServiceWrapper& wrapper) {
  if (&wrapper != current_) {
    return;
  }
  current_ = nullptr;
  switch (state_) {
    case State::kConnected:
      ++failedAttempts_;
      scheduleRetry();
      break;
    case State::kDisconnecting:
    case State::kRestarting:
      finishStopping();
      break;
    case State::kIdle:
    case State::kConnecting:
    case State::kWaiting:
    case State::kStopped:
      break;
  }
}

void ClientService::scheduleRetry() {
  state_ = State::kWaiting;
  Seconds delay = retryPolicy_(failedAttempts_);
  if (!(delay.count() >= 0)) {
    delay = Seconds{0};  // a policy returning a negative or NaN delay means "at once"
  }
  retryCall_ = clock_.callLater(delay, [this] {
    if (state_ == State::kWaiting) {
      connect();
    }
  });
}

void ClientService::finishStopping() {
  bool restart = state_ == State::kRestarting;
  state_ = State::kStopped;
  std::vector<Deferred<void>> stops = std::exchange(stopWaiters_, {});
  for (Deferred<void>& d : stops) {
    d.callback();
  }
  // A stop callback may have started or stopped the service again; restart only if not.
  if (restart && state_ == State::kStopped && running()) {
    connect();
  }
}

void ClientService::cancelWaiters() {
  std::vector<Waiter> waiting = std::exchange(waiters_, {});
  for (Waiter& w : waiting) {
    if (!w.deferred.called()) {
      w.deferred.errback(CancelledError());
    }
  }
}

void ClientService::notifyWaiters(Protocol* protocol) {
  std::vector<Waiter> waiting = std::exchange(waiters_, {});
  for (Waiter& w : waiting) {
    if (!w.deferred.called()) {
      w.deferred.callback(protocol);
    }
  }
}

void ClientService::failWaiters(const Failure& reason) {
  std::vector<Deferred<Protocol*>> ready;
  std::vector<Waiter> keep;
  for (Waiter& w : waiters_) {
    if (!w.remaining) {
      keep.push_back(std::move(w));
    } else if (*w.remaining <= 1) {
      ready.push_back(std::move(w.deferred));
    } else {
      --*w.remaining;
      keep.push_back(std::move(w));
    }
  }
  waiters_ = std::move(keep);
  for (Deferred<Protocol*>& d : ready) {
    if (!d.called()) {
      d.errback(reason);
    }
  }
}

}  // namespace torsion
