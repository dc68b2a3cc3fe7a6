#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <torsion/protocols/detail/pausable_parse.hpp>
#include <torsion/transports/ipush_producer.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// A protocol that sends and receives strings prefixed by their length as a big-endian unsigned
/// integer of type `Prefix` (Twisted's `IntNStringReceiver`). Use it through the aliases
/// Int8StringReceiver, Int16StringReceiver and Int32StringReceiver.
///
/// A prefix greater than `maxLength()` calls `lengthLimitExceeded` with it, as soon as the
/// prefix is complete; the default loses the connection. Parsing then stops for good (the
/// buffered bytes are dropped and later ones ignored), since the stream cannot be resynced;
/// Twisted instead keeps the bytes, which lets a peer that is not disconnected grow them.
/// Only bytes that really arrived are buffered: a prefix announcing a big string reserves
/// nothing.
///
/// Flow control: an IntNStringReceiver is an IPushProducer of strings, as in Twisted (its
/// `_PauseableMixin`). Its `pauseProducing` pauses the transport *and* stops delivering strings
/// it already holds, even in the middle of a chunk holding several; `resumeProducing` resumes
/// the transport and delivers the held strings, in order, before any new data. Pause through
/// the receiver (from a hook, or by registering it as another consumer's producer), not through
/// `transport()->pauseProducing()`, which only stops new chunks. `stopProducing` stops
/// delivery for good and loses the connection.
///
/// Disconnecting: once the transport is disconnecting (a hook called `loseConnection`, say),
/// no more strings are delivered, neither the rest of the chunk being parsed nor later bytes,
/// which are dropped. Twisted's IntNStringReceiver would go on delivering the rest of the
/// chunk; torsion stops, as Twisted's LineReceiver does, so that no hook runs for a connection
/// that is going away.
///
/// Example:
///     class Echo final : public torsion::Int32StringReceiver {
///       void stringReceived(std::string_view s) override { sendString(s); }
///     };
///
/// Ownership: as Protocol. Strings passed to `stringReceived` are valid only during the call.
/// Thread: the reactor's thread only.
/// Re-entrancy: hooks may write, pause, resume, stop, lose or abort the connection, change
/// `maxLength` (from the next prefix on), and call `dataReceived` (the bytes are queued behind
/// those already held). Delivery stops as soon as the hook that ran returns if it paused or
/// stopped the receiver, if the transport is disconnecting, or if `connectionLost` ran.
template <class Prefix>
class IntNStringReceiver : public Protocol, public IPushProducer, private detail::PausableParse {
 public:
  /// Twisted's `MAX_LENGTH` default.
  static constexpr std::size_t kDefaultMaxLength = 99999;

  /// The size of the length prefix in bytes (Twisted's `prefixLength`).
  static constexpr std::size_t kPrefixLength = sizeof(Prefix);

  /// A receiver accepting strings of up to `maxLength` bytes.
  explicit IntNStringReceiver(std::size_t maxLength = kDefaultMaxLength) : maxLength_(maxLength) {}

  /// Receives bytes and calls `stringReceived` for each string. Override the hooks instead.
  void dataReceived(std::string_view data) override;

  /// A complete string arrived, without its prefix. Defaults to doing nothing.
  virtual void stringReceived(std::string_view string) { (void)string; }

  /// A prefix announced `length` bytes, more than `maxLength()`. The default loses the
  /// connection.
  virtual void lengthLimitExceeded(std::size_t length);

  /// Writes `string` with its length prefix, with one vectored write. Ignored when not
  /// connected.
  /// @throws StringTooLongError (a ValueError) if `string` is too long for the prefix.
  void sendString(std::string_view string);

  /// The longest string accepted, in bytes (Twisted's `MAX_LENGTH`).
  [[nodiscard]] std::size_t maxLength() const noexcept { return maxLength_; }

  /// Changes the longest string accepted.
  void setMaxLength(std::size_t maxLength) noexcept { maxLength_ = maxLength; }

  /// Stops delivering strings and pauses the transport. Does nothing if already paused.
  void pauseProducing() override;

  /// Resumes the transport and delivers the strings held while paused.
  void resumeProducing() override;

  /// Stops delivering strings for good and loses the connection (ITransport::stopProducing).
  void stopProducing() override;

  /// True between pauseProducing (or stopProducing) and resumeProducing.
  [[nodiscard]] bool paused() const noexcept { return paused_; }

 private:
  // The queue, pause state and dataReceived loop live in the helper (see its comment); this
  // class keeps the length-prefix parsing.
  friend class detail::PausableParse;
  static constexpr bool kQueuesWhenFinished = false;  // Nothing can use them: drop them at once.

  [[nodiscard]] static std::size_t decode(std::string_view prefix) noexcept;
  [[nodiscard]] bool finished() const;
  bool deliverOne();
  bool deliverHeld();
  bool fill(std::size_t size);
  bool tooLong(std::size_t length);
  void compact();

  std::size_t maxLength_;
  bool broken_ = false;  // A prefix was too long: the stream cannot be resynced.
};

extern template class IntNStringReceiver<std::uint8_t>;
extern template class IntNStringReceiver<std::uint16_t>;
extern template class IntNStringReceiver<std::uint32_t>;

/// Strings with a 1-byte length prefix (Twisted's `Int8StringReceiver`).
using Int8StringReceiver = IntNStringReceiver<std::uint8_t>;

/// Strings with a 2-byte big-endian length prefix (Twisted's `Int16StringReceiver`).
using Int16StringReceiver = IntNStringReceiver<std::uint16_t>;

/// Strings with a 4-byte big-endian length prefix (Twisted's `Int32StringReceiver`).
using Int32StringReceiver = IntNStringReceiver<std::uint32_t>;

}  // namespace torsion
