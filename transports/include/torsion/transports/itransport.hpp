#pragma once

#include <span>
#include <string_view>

#include <torsion/transports/address.hpp>
#include <torsion/transports/iconsumer.hpp>
#include <torsion/transports/ipush_producer.hpp>
#include <torsion/transports/write_buffer_watermarks.hpp>

namespace torsion {

/// A byte stream to a peer, as a protocol sees it (Twisted's `ITransport`).
///
/// As an IConsumer it takes writes and a producer; as an IPushProducer, pausing it stops reading
/// from the socket (so `dataReceived` stops) until it is resumed, and `stopProducing` is
/// `loseConnection`.
///
/// Ownership: the reactor owns the transport, and the transport owns its Protocol. A protocol's
/// `transport()` pointer is valid from `makeConnection` until `connectionLost` returns.
/// Thread: the reactor's thread only.
/// Re-entrancy: every method may be called from inside any protocol hook, including
/// `dataReceived` and `connectionLost`. Closing is a request: `connectionLost` never runs inside
/// `loseConnection` or `abortConnection`, but later, from the reactor's top level, exactly once.
/// Writes after `loseConnection`, `abortConnection` or `loseWriteConnection`, and writes from
/// inside `connectionLost`, are ignored.
class ITransport : public IConsumer, public IPushProducer {
 public:
  /// Writes every buffer in `data`, in order, as if by one `write` of their concatenation, with
  /// one vectored system call where possible.
  virtual void writeSequence(std::span<const std::string_view> data) = 0;

  /// Closes the connection after everything already written has been sent (and, when a
  /// producer is registered, after it unregisters). `connectionLost` then gets ConnectionDone.
  /// Reading stops at once. Calling it again, or after abortConnection, does nothing.
  virtual void loseConnection() = 0;

  /// Closes the connection now, dropping unsent data; the peer sees a reset.
  /// `connectionLost` gets ConnectionAborted. Calling it after loseConnection upgrades the close.
  virtual void abortConnection() = 0;

  /// True from the moment `loseConnection` or `abortConnection` (or `stopProducing`, which is
  /// loseConnection) was called, or the connection was lost for another reason (the peer
  /// closed or reset it, an error, the reactor shut down), until the transport is gone
  /// (Twisted's `transport.disconnecting`). A protocol checks it to stop producing output that
  /// would be ignored anyway; it stays true inside `connectionLost`. A half-close
  /// (`loseWriteConnection`) alone does not set it.
  [[nodiscard]] virtual bool disconnecting() const = 0;

  /// Sets when a registered push producer is paused and resumed (see WriteBufferWatermarks).
  /// Takes effect at once: a producer is paused now if more than `marks.high` bytes are unsent,
  /// and one this transport paused is resumed now if `marks.low` or fewer are, from inside this
  /// call (as a `write` that crosses the high mark pauses the producer from inside the write).
  /// @throws ValueError if `marks.low` exceeds `marks.high`; the marks are then unchanged.
  virtual void setWriteBufferWatermarks(WriteBufferWatermarks marks) = 0;

  /// The marks in use: the defaults of WriteBufferWatermarks until set.
  [[nodiscard]] virtual WriteBufferWatermarks writeBufferWatermarks() const = 0;

  /// The address of the other end.
  [[nodiscard]] virtual Address getPeer() const = 0;

  /// The address of this end.
  [[nodiscard]] virtual Address getHost() const = 0;
};

}  // namespace torsion
