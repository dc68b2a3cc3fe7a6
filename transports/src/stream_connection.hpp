#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <torsion/deferred/failure.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_fdset.hpp>
#include <torsion/reactor/unique_fd.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ihalf_closeable_protocol.hpp>
#include <torsion/transports/itcp_transport.hpp>
#include <torsion/transports/protocol.hpp>

#include "producer_slot.hpp"
#include "transports.hpp"

namespace torsion::detail {

class Connector;

/// A connected stream socket (TCP or UNIX): the transport a Protocol talks to.
///
/// State machine: kOpen -> (loseConnection) kDisconnecting -> kClosed, or kOpen -> kClosed on
/// abort, error or peer close. Entering kClosed leaves the descriptor set at once and schedules
/// `finishClose` with a zero-delay call; that runs `connectionLost` from the reactor's top level
/// and destroys this object (and its protocol) as its last act.
class StreamConnection final : public ITCPTransport,
                               public IReadDescriptor,
                               public IWriteDescriptor,
                               public Selectable {
 public:
  /// The sent prefix of the write buffer is compacted away once it is larger than this (and
  /// than the rest).
  static constexpr std::size_t kCompactThreshold = 16 * 1024;
  /// Reads per readiness event, so one busy peer cannot starve the others.
  static constexpr int kReadBudget = 16;

  StreamConnection(Transports& owner, UniqueFd fd, AddressFamily family, Address peer,
                   std::unique_ptr<Protocol> protocol, std::shared_ptr<Factory> factory,
                   Connector* connector);
  ~StreamConnection() override;

  StreamConnection(const StreamConnection&) = delete;
  StreamConnection& operator=(const StreamConnection&) = delete;
  StreamConnection(StreamConnection&&) = delete;
  StreamConnection& operator=(StreamConnection&&) = delete;

  /// Starts reading and calls the protocol's makeConnection; from the reactor's top level.
  void start();

  [[nodiscard]] Protocol& protocol() noexcept { return *protocol_; }

  [[nodiscard]] bool open() const noexcept { return state_ == State::kOpen; }

  // IConsumer
  void registerProducer(IProducer& producer, bool streaming) override;
  void unregisterProducer() override;
  void write(std::string_view data) override;

  // IPushProducer: pausing a transport stops reading from its socket.
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override;

  // ITransport
  void writeSequence(std::span<const std::string_view> data) override;
  void loseConnection() override;
  void abortConnection() override;

  [[nodiscard]] bool disconnecting() const override { return state_ != State::kOpen; }

  void setWriteBufferWatermarks(WriteBufferWatermarks marks) override;

  [[nodiscard]] WriteBufferWatermarks writeBufferWatermarks() const override {
    return slot_.watermarks();
  }

  [[nodiscard]] Address getPeer() const override { return peer_; }

  [[nodiscard]] Address getHost() const override;

  // ITCPTransport
  void loseWriteConnection() override;
  void setTcpNoDelay(bool enabled) override;
  [[nodiscard]] bool getTcpNoDelay() const override;
  void setTcpKeepAlive(bool enabled) override;
  [[nodiscard]] bool getTcpKeepAlive() const override;

  // IReadDescriptor / IWriteDescriptor
  [[nodiscard]] int fileno() const override { return fd_.get(); }

  void doRead() override;
  void doWrite() override;

  // Selectable
  void shutDown() override;

 private:
  enum class State : std::uint8_t { kOpen, kDisconnecting, kClosed };

  [[nodiscard]] std::size_t pending() const noexcept { return buffer_.size() - offset_; }

  void append(std::string_view data);
  void startWriting();
  void stopWriting() noexcept;
  void updateReading();
  void stopReading() noexcept;
  void afterWrite();
  void pauseProducerIfOver();
  bool resumeProducerIfDrained();
  void peerClosed();
  void shutdownWrite();
  void scheduleClose(Failure reason);
  void finishClose();
  void failFromHook(const char* hook);
  void checkTcp(const char* what) const;

  Transports& owner_;
  UniqueFd fd_;
  AddressFamily family_;
  Address peer_;
  mutable std::optional<Address> host_;
  // Declared before protocol_ so it is destroyed after it: the factory outlives its protocol.
  std::shared_ptr<Factory> factory_;
  std::unique_ptr<Protocol> protocol_;
  IHalfCloseableProtocol* halfCloseable_;
  Connector* connector_;

  State state_ = State::kOpen;
  bool started_ = false;
  bool reading_ = false;  // registered as a reader
  bool writing_ = false;  // registered as a writer
  bool paused_ = false;   // pauseProducing was called
  bool readClosed_ = false;
  bool writeShutdownRequested_ = false;
  bool writeShutdownDone_ = false;
  bool aborted_ = false;

  std::vector<char> buffer_;
  std::size_t offset_ = 0;

  ProducerSlot slot_;

  std::optional<Failure> reason_;
  DelayedCall closeCall_;
};

}  // namespace torsion::detail
