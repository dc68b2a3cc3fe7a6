#pragma once

#include <string_view>

#include <torsion/deferred/failure.hpp>
#include <torsion/transports/itransport.hpp>

namespace torsion {

namespace detail {
class ProtocolAccess;
}  // namespace detail

/// The base of every stream protocol: it turns bytes into meaning (Twisted's `Protocol`).
///
/// Subclass it and override the hooks, which default to doing nothing. The transport calls
/// `makeConnection` once (which calls `connectionMade`), then `dataReceived` for each chunk in
/// order, then `connectionLost` exactly once.
///
/// Example:
///     class Echo final : public torsion::Protocol {
///       void dataReceived(std::string_view data) override { transport()->write(data); }
///     };
///
/// Ownership: the connection (transport) owns its Protocol and destroys it right after
/// `connectionLost` returns, at the end of that reactor turn. `transport()` is non-owning and
/// valid from `makeConnection` until `connectionLost` returns; the base sets it to null then.
/// Thread: the reactor's thread only.
/// Re-entrancy: any hook may write, lose or abort the connection, or pause the transport. After
/// `loseConnection` or `abortConnection` no more `dataReceived` calls arrive. A hook that throws
/// is logged and the connection is aborted with that exception as the reason.
class Protocol {
 public:
  Protocol() = default;
  Protocol(const Protocol&) = delete;
  Protocol& operator=(const Protocol&) = delete;
  Protocol(Protocol&&) = delete;
  Protocol& operator=(Protocol&&) = delete;
  virtual ~Protocol() = default;

  /// Attaches the transport and calls `connectionMade` (Twisted's `makeConnection`). Called by
  /// the transport, including a wrapping transport (ProtocolWrapper) for the protocol it wraps;
  /// call it yourself only with a test transport.
  void makeConnection(ITransport* transport);

  /// Calls `connectionLost(reason)`, then detaches the transport: `transport()` is null once it
  /// returns, even if connectionLost throws (the exception then propagates). The end of a
  /// connection as every transport delivers it; a wrapping transport calls it for the protocol
  /// it wraps, so that protocol, too, sees a null `transport()` afterwards. Call it once per
  /// `makeConnection`.
  void endConnection(const Failure& reason);

  /// The connection is up; `transport()` may be used.
  virtual void connectionMade() {}

  /// Bytes arrived. `data` is only valid during the call: copy what you keep.
  virtual void dataReceived(std::string_view data) { (void)data; }

  /// The connection is gone. `reason` holds ConnectionDone for a clean close, ConnectionAborted
  /// for our own abort, ConnectionLost (with the errno text) otherwise, or the exception a hook
  /// threw. Writes from here are ignored.
  virtual void connectionLost(const Failure& reason) { (void)reason; }

  /// The transport, or null before `makeConnection` and after `connectionLost`.
  [[nodiscard]] ITransport* transport() const noexcept { return transport_; }

  /// True between `makeConnection` and the end of `connectionLost`.
  [[nodiscard]] bool connected() const noexcept { return transport_ != nullptr; }

 private:
  friend class detail::ProtocolAccess;
  ITransport* transport_ = nullptr;
};

}  // namespace torsion
