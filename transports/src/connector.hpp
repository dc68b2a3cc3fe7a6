#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_fdset.hpp>
#include <torsion/reactor/unique_fd.hpp>
#include <torsion/transports/client_factory.hpp>
#include <torsion/transports/iconnector.hpp>

#include "transports.hpp"

namespace torsion::detail {

class StreamConnection;

/// An outgoing stream connection attempt (TCP or UNIX) and, once made, its connection's
/// link back to the ClientFactory.
///
/// Every step runs from the reactor's top level: `connect()` schedules a zero-delay start,
/// name resolution comes back through callFromThread, the socket's writability ends the attempt,
/// and a timer bounds it. The connector destroys itself once an attempt failed or its connection
/// was lost, unless the factory's hook started a new attempt or the factory keeps it
/// (ClientFactory::keepsConnector); a kept connector waits, idle, for `connect()` or for
/// `stopConnecting()`/`disconnect()` to release it.
class Connector final : public IConnector, public IWriteDescriptor, public Selectable {
 public:
  /// A TCP connector to `host:port`.
  Connector(Transports& owner, std::string host, std::uint16_t port,
            std::shared_ptr<ClientFactory> factory, Seconds timeout,
            std::optional<Address> bindAddress);

  /// A UNIX connector to `path`.
  Connector(Transports& owner, std::string path, std::shared_ptr<ClientFactory> factory,
            Seconds timeout);

  ~Connector() override;

  Connector(const Connector&) = delete;
  Connector& operator=(const Connector&) = delete;
  Connector(Connector&&) = delete;
  Connector& operator=(Connector&&) = delete;

  // IConnector
  void stopConnecting() override;
  void disconnect() override;
  void connect() override;
  [[nodiscard]] Address getDestination() const override;

  // IWriteDescriptor: the non-blocking connect finished.
  [[nodiscard]] int fileno() const override { return fd_.get(); }

  void doWrite() override;

  // Selectable
  void shutDown() override;

  /// The connection this connector made was lost (called by it, after connectionLost).
  void connectionLost(const Failure& reason);

  /// Name resolution finished (from callFromThread): addresses, or an error text.
  void resolved(std::uint64_t attempt, std::vector<Address> addresses, const std::string& error);

 private:
  enum class State : std::uint8_t { kDisconnected, kConnecting, kFailing, kConnected };

  void begin();
  void attemptNext();
  void connected();
  void closeSocket() noexcept;
  void cancelTimers() noexcept;
  void fail(const Failure& reason);
  void finishIfIdle();
  void release();
  [[nodiscard]] std::string destinationText() const;

  Transports& owner_;
  bool unix_;
  std::string host_;  // the path for UNIX
  std::uint16_t port_ = 0;
  std::shared_ptr<ClientFactory> factory_;
  Seconds timeout_;
  std::optional<Address> bindAddress_;
  std::uint64_t id_;

  State state_ = State::kDisconnected;
  bool factoryStarted_ = false;
  bool kept_ = false;  // idle, kept for the factory to connect() later
  std::uint64_t attempt_ = 0;
  std::vector<Address> candidates_;
  std::size_t next_ = 0;
  int lastError_ = 0;
  UniqueFd fd_;
  bool writing_ = false;
  StreamConnection* connection_ = nullptr;
  DelayedCall startCall_;
  DelayedCall timeoutCall_;
  DelayedCall failCall_;
  DelayedCall releaseCall_;
};

}  // namespace torsion::detail
