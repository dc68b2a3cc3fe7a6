#include "connector.hpp"

#include <cerrno>
#include <cstring>
#include <exception>
#include <utility>

#include <netdb.h>
#include <sys/socket.h>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>
#include <torsion/transports/errors.hpp>

#include "endpoint_client_factory.hpp"
#include "socket_ops.hpp"
#include "stream_connection.hpp"

namespace torsion::detail {

namespace {

// Runs getaddrinfo on a pool thread and hands the answer back to the reactor thread.
void resolveInThread(ReactorCore* core, Transports* owner, std::uint64_t id, std::uint64_t attempt,
                     const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  std::vector<Address> addresses;
  std::string error;
  if (rc != 0) {
    error = fmt::format("address '{}' not found: {}", host, ::gai_strerror(rc));
  } else {
    for (const addrinfo* ai = found; ai != nullptr; ai = ai->ai_next) {
      if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6) {
        const Address a = fromSockAddr(ai->ai_addr, ai->ai_addrlen);
        addresses.push_back(a.family() == AddressFamily::kIPv4 ? Address::ipv4(a.host(), port)
                                                               : Address::ipv6(a.host(), port));
      }
    }
    ::freeaddrinfo(found);
    if (addresses.empty()) {
      error = fmt::format("address '{}' not found: no IPv4 or IPv6 address", host);
    }
  }
  // The connector may be gone by the time this runs; it is looked up again by id. Qualified
  // call: no virtual dispatch on a reactor that may be mid-destruction on its own thread.
  core->ReactorCore::callFromThread(
      [owner, id, attempt, addresses = std::move(addresses), error = std::move(error)]() mutable {
        if (Connector* connector = owner->findConnector(id); connector != nullptr) {
          connector->resolved(attempt, std::move(addresses), error);
        }
      });
}

}  // namespace

Connector::Connector(Transports& owner, std::string host, std::uint16_t port,
                     std::shared_ptr<ClientFactory> factory, Seconds timeout,
                     std::optional<Address> bindAddress)
    : owner_(owner),
      unix_(false),
      host_(std::move(host)),
      port_(port),
      factory_(std::move(factory)),
      timeout_(timeout),
      bindAddress_(std::move(bindAddress)),
      id_(owner.registerConnector(this)) {}

Connector::Connector(Transports& owner, std::string path, std::shared_ptr<ClientFactory> factory,
                     Seconds timeout)
    : owner_(owner),
      unix_(true),
      host_(std::move(path)),
      factory_(std::move(factory)),
      timeout_(timeout),
      id_(owner.registerConnector(this)) {}

Connector::~Connector() {
  owner_.unregisterConnector(id_);
  cancelTimers();
  closeSocket();
}

Address Connector::getDestination() const {
  if (unix_) {
    return Address::unixSocket(host_);
  }
  return numericFamily(host_) == AddressFamily::kIPv6 ? Address::ipv6(host_, port_)
                                                      : Address::ipv4(host_, port_);
}

std::string Connector::destinationText() const {
  if (unix_) {
    return getDestination().toString();
  }
  return host_.find(':') != std::string::npos ? fmt::format("[{}]:{}", host_, port_)
                                              : fmt::format("{}:{}", host_, port_);
}

void Connector::connect() {
  if (state_ != State::kDisconnected) {
    throw ValueError("connect: the connector is already connecting or connected");
  }
  if (owner_.shuttingDown()) {
    owner_.log().info("not reconnecting to {}: the reactor is shutting down", destinationText());
    return;
  }
  // A kept connector is back in use; a release still pending is void.
  kept_ = false;
  if (releaseCall_.active()) {
    releaseCall_.cancel();
  }
  state_ = State::kConnecting;
  ++attempt_;
  startCall_ = owner_.core().callLater(Seconds{0}, [this] { begin(); });
}

void Connector::begin() {
  if (!factoryStarted_) {
    factoryStarted_ = true;
    try {
      factory_->doStart();
    } catch (...) {
      owner_.log().failure("startFactory", std::current_exception());
    }
  }
  try {
    factory_->startedConnecting(*this);
  } catch (...) {
    owner_.log().failure("startedConnecting", std::current_exception());
  }
  if (state_ != State::kConnecting) {
    return;  // stopConnecting from inside startedConnecting
  }
  if (timeout_.count() > 0) {
    timeoutCall_ = owner_.core().callLater(timeout_, [this] {
      fail(Failure(ConnectingTimeoutError(fmt::format(
          "connecting to {}: timed out after {} seconds", destinationText(), timeout_.count()))));
    });
  }
  candidates_.clear();
  next_ = 0;
  lastError_ = 0;
  if (unix_) {
    candidates_.push_back(Address::unixSocket(host_));
  } else if (const auto family = numericFamily(host_)) {
    candidates_.push_back(*family == AddressFamily::kIPv4 ? Address::ipv4(host_, port_)
                                                          : Address::ipv6(host_, port_));
  } else {
    // Names resolve on the pool: the loop never blocks on DNS.
    owner_.core().callInThread(
        [core = &owner_.core(), owner = &owner_, id = id_, attempt = attempt_, host = host_,
         port = port_] { resolveInThread(core, owner, id, attempt, host, port); });
    return;
  }
  attemptNext();
}

void Connector::resolved(std::uint64_t attempt, std::vector<Address> addresses,
                         const std::string& error) {
  if (attempt != attempt_ || state_ != State::kConnecting || !candidates_.empty()) {
    return;  // a stale answer for an attempt that ended
  }
  if (!error.empty()) {
    fail(Failure(DNSLookupError(error)));
    return;
  }
  candidates_ = std::move(addresses);
  attemptNext();
}

void Connector::attemptNext() {
  while (next_ < candidates_.size()) {
    const Address& target = candidates_[next_++];
    closeSocket();
    fd_ = UniqueFd(
        ::socket(domainOf(target.family()), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_.valid()) {
      lastError_ = errno;
      continue;
    }
    try {
      if (bindAddress_) {
        const SockAddr local = toSockAddr(*bindAddress_);
        if (::bind(fd_.get(), local.get(), local.length) != 0) {
          lastError_ = errno;
          continue;
        }
      }
      const SockAddr remote = toSockAddr(target);
      if (::connect(fd_.get(), remote.get(), remote.length) == 0) {
        connected();
        return;
      }
    } catch (const ValueError& e) {
      fail(Failure(ConnectError(fmt::format("connecting to {}: {}", destinationText(), e.what()))));
      return;
    }
    if (errno == EINPROGRESS || errno == EAGAIN) {
      owner_.core().addWriter(*this);
      writing_ = true;
      return;
    }
    lastError_ = errno;
  }
  fail(connectFailure(lastError_ != 0 ? lastError_ : ECONNREFUSED, destinationText()));
}

void Connector::doWrite() {
  const int err = getIntOption(fd_.get(), SOL_SOCKET, SO_ERROR);
  if (writing_) {
    writing_ = false;
    owner_.core().removeWriter(*this);
  }
  if (err == 0) {
    connected();
    return;
  }
  lastError_ = err;
  attemptNext();
}

void Connector::connected() {
  const Address& target = candidates_[next_ - 1];
  std::unique_ptr<Protocol> protocol;
  try {
    protocol = factory_->buildProtocol(target);
  } catch (...) {
    owner_.log().failure("buildProtocol", std::current_exception());
    fail(Failure::current());
    return;
  }
  if (!protocol) {
    fail(Failure(ConnectError(
        fmt::format("connecting to {}: buildProtocol refused the connection", destinationText()))));
    return;
  }
  cancelTimers();
  state_ = State::kConnected;
  auto connection = std::make_unique<StreamConnection>(owner_, std::move(fd_), target.family(),
                                                       target, std::move(protocol), factory_, this);
  StreamConnection& made = owner_.adopt(std::move(connection));
  connection_ = &made;
  made.start();
  // A client endpoint learns of the connection after connectionMade. The connection object
  // lives at least until the end of this turn, even if connectionMade closed it.
  if (auto* endpoint = dynamic_cast<EndpointClientFactory*>(factory_.get()); endpoint != nullptr) {
    try {
      endpoint->connectionMadeFor(made.protocol());
    } catch (...) {
      owner_.log().failure("endpoint connect callback", std::current_exception());
    }
  }
}

void Connector::connectionLost(const Failure& reason) {
  connection_ = nullptr;
  state_ = State::kDisconnected;
  try {
    factory_->clientConnectionLost(*this, reason);
  } catch (...) {
    owner_.log().failure("clientConnectionLost", std::current_exception());
  }
  finishIfIdle();
}

void Connector::stopConnecting() {
  if (state_ == State::kDisconnected && kept_) {
    release();
    return;
  }
  if (state_ != State::kConnecting) {
    return;
  }
  state_ = State::kFailing;
  cancelTimers();
  closeSocket();
  // Reported later, never inside the call that asked.
  failCall_ = owner_.core().callLater(Seconds{0}, [this] {
    state_ = State::kConnecting;
    fail(Failure(ConnectingCancelledError(
        fmt::format("connecting to {}: stopped by stopConnecting()", destinationText()))));
  });
}

void Connector::disconnect() {
  if (state_ == State::kConnecting || (state_ == State::kDisconnected && kept_)) {
    stopConnecting();
  } else if (state_ == State::kConnected && connection_ != nullptr) {
    connection_->loseConnection();
  }
}

void Connector::fail(const Failure& reason) {
  if (state_ != State::kConnecting) {
    return;
  }
  cancelTimers();
  closeSocket();
  state_ = State::kDisconnected;
  try {
    factory_->clientConnectionFailed(*this, reason);
  } catch (...) {
    owner_.log().failure("clientConnectionFailed", std::current_exception());
  }
  finishIfIdle();
}

void Connector::finishIfIdle() {
  if (state_ != State::kDisconnected) {
    return;  // the hook called connect() again
  }
  if (factoryStarted_) {
    factoryStarted_ = false;
    try {
      factory_->doStop();
    } catch (...) {
      owner_.log().failure("stopFactory", std::current_exception());
    }
  }
  bool keep = false;
  try {
    keep = factory_->keepsConnector();
  } catch (...) {
    owner_.log().failure("keepsConnector", std::current_exception());
  }
  if (keep) {
    kept_ = true;  // the factory will connect() later, or release us
    return;
  }
  owner_.destroy(this);  // last act: `this` is gone
}

void Connector::release() {
  // Never inside the call that asked: the caller (a factory's stopTrying) may be the object
  // this connector's shared_ptr keeps alive.
  kept_ = false;
  if (!releaseCall_.active()) {
    releaseCall_ = owner_.core().callLater(Seconds{0}, [this] { owner_.destroy(this); });
  }
}

void Connector::shutDown() {
  switch (state_) {
    case State::kConnected:
      // The connection's own shutdown reports to us and ends us.
      if (connection_ != nullptr) {
        connection_->shutDown();
      }
      return;
    case State::kConnecting:
    case State::kFailing:
      state_ = State::kConnecting;
      fail(Failure(
          ConnectError(fmt::format("connecting to {}: the reactor shut down", destinationText()))));
      return;
    case State::kDisconnected:
      if (kept_) {
        return;  // kept for its factory: it holds nothing open (see IConnector)
      }
      if (releaseCall_.active()) {
        releaseCall_.cancel();  // released: go now rather than on a turn that may never come
        owner_.destroy(this);   // last act: `this` is gone
        return;
      }
      finishIfIdle();
      return;
  }
}

void Connector::closeSocket() noexcept {
  if (writing_) {
    writing_ = false;
    try {
      owner_.core().removeWriter(*this);
    } catch (...) {  // NOLINT(bugprone-empty-catch): registered, so it cannot fail
    }
  }
  fd_.reset();
}

void Connector::cancelTimers() noexcept {
  for (DelayedCall* call : {&startCall_, &timeoutCall_, &failCall_, &releaseCall_}) {
    if (call->active()) {
      call->cancel();
    }
  }
}

}  // namespace torsion::detail
