#pragma once

#include <memory>
#include <span>
#include <string_view>

#include <torsion/deferred/failure.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/iproducer.hpp>
#include <torsion/transports/itransport.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

class WrappingFactory;

/// A protocol that wraps another protocol and is its transport (Twisted's
/// `policies.ProtocolWrapper`): the base of connection policies such as throttling and limits.
///
/// The real transport drives the wrapper; the wrapper forwards every hook to the wrapped
/// protocol, and the wrapped protocol's `transport()` is the wrapper, whose ITransport methods
/// forward to the real transport. A policy subclass overrides either side to see or change the
/// traffic (ThrottlingProtocol counts bytes and pauses reads). The wrapper registers with its
/// WrappingFactory in `connectionMade` and unregisters in `connectionLost` (or, if it never got
/// that far, in its destructor), so the factory always knows its live connections.
///
/// The wrapper offers ITransport only: a wrapped protocol's
/// `dynamic_cast<ITCPTransport*>(transport())` finds nothing, and the wrapper is not an
/// IHalfCloseableProtocol, so a FIN from the peer ends the connection (as in Twisted, whose
/// wrapper does not forward `readConnectionLost` either).
///
/// Example:
///     class Spy final : public torsion::ProtocolWrapper {
///      public:
///       using ProtocolWrapper::ProtocolWrapper;
///       void write(std::string_view data) override { sent += data.size();
///       ProtocolWrapper::write(data); } std::size_t sent = 0;
///     };
///
/// Ownership: the connection owns the wrapper, and the wrapper owns the wrapped protocol (it is
/// destroyed with the wrapper). The wrapper shares ownership of its factory, so the factory's
/// registry outlives every wrapper in it. The wrapper attaches the wrapped protocol with
/// `makeConnection` and ends it with `Protocol::endConnection`, so the wrapped protocol's
/// `transport()` is the wrapper from its `connectionMade` until its `connectionLost` returns,
/// and null after, as with a real transport. After `connectionLost` the wrapper ignores writes
/// and close requests, and `getPeer`/`getHost` throw.
/// Thread: the reactor's thread only.
/// Re-entrancy: the wrapped protocol may call any transport method from any hook, as on a real
/// transport; an exception from its hooks passes through the wrapper to the real transport,
/// which logs it and aborts the connection.
class ProtocolWrapper : public Protocol, public ITransport {
 public:
  /// Wraps `wrapped` for `factory`.
  /// @throws ValueError if `factory` or `wrapped` is null.
  ProtocolWrapper(std::shared_ptr<WrappingFactory> factory, std::unique_ptr<Protocol> wrapped);

  /// Unregisters from the factory if `connectionLost` did not, then destroys the wrapped
  /// protocol.
  ~ProtocolWrapper() override;

  ProtocolWrapper(const ProtocolWrapper&) = delete;
  ProtocolWrapper& operator=(const ProtocolWrapper&) = delete;
  ProtocolWrapper(ProtocolWrapper&&) = delete;
  ProtocolWrapper& operator=(ProtocolWrapper&&) = delete;

  /// The protocol this wraps.
  [[nodiscard]] Protocol& wrappedProtocol() const noexcept { return *wrapped_; }

  /// The factory that built this wrapper.
  [[nodiscard]] WrappingFactory& factory() const noexcept { return *factory_; }

  // ---- Protocol: the real transport calls these --------------------------------------------

  /// Registers with the factory, then connects the wrapped protocol to this wrapper.
  void connectionMade() override;

  /// Forwards to the wrapped protocol.
  void dataReceived(std::string_view data) override;

  /// Unregisters from the factory, then ends the wrapped protocol's connection
  /// (`endConnection`: its connectionLost, then its `transport()` becomes null).
  void connectionLost(const Failure& reason) override;

  // ---- ITransport: the wrapped protocol calls these ----------------------------------------

  void write(std::string_view data) override;
  void writeSequence(std::span<const std::string_view> data) override;
  void registerProducer(IProducer& producer, bool streaming) override;
  void unregisterProducer() override;
  void pauseProducing() override;
  void resumeProducing() override;
  void stopProducing() override;
  void loseConnection() override;
  void abortConnection() override;

  /// True once the wrapped protocol asked to lose or abort the connection, once the real
  /// transport is disconnecting (the peer closed it, say), and after `connectionLost`
  /// (ITransport::disconnecting, Twisted's `disconnecting`).
  [[nodiscard]] bool disconnecting() const override;

  /// Sets the real transport's marks. Not connected: checks them and does nothing else.
  /// @throws ValueError if `marks.low` exceeds `marks.high`.
  void setWriteBufferWatermarks(WriteBufferWatermarks marks) override;

  /// The real transport's marks; WriteBufferWatermarks' defaults when not connected.
  [[nodiscard]] WriteBufferWatermarks writeBufferWatermarks() const override;

  /// The real transport's peer.
  /// @throws ValueError when the wrapper is not connected.
  [[nodiscard]] Address getPeer() const override;

  /// The real transport's host.
  /// @throws ValueError when the wrapper is not connected.
  [[nodiscard]] Address getHost() const override;

 protected:
  /// The real transport while connected and `connectionLost` has not run; null otherwise.
  [[nodiscard]] ITransport* realTransport() const noexcept;

 private:
  void unregister() noexcept;

  std::shared_ptr<WrappingFactory> factory_;
  std::unique_ptr<Protocol> wrapped_;
  bool registered_ = false;
  bool lost_ = false;
  bool disconnecting_ = false;
};

}  // namespace torsion
