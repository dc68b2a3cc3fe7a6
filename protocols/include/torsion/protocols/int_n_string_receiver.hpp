#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

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
///
/// Example:
///     class Echo final : public torsion::Int32StringReceiver {
///       void stringReceived(std::string_view s) override { sendString(s); }
///     };
///
/// Ownership: as Protocol. Strings passed to `stringReceived` are valid only during the call.
/// Thread: the reactor's thread only.
/// Re-entrancy: hooks may write, lose or abort the connection, and change `maxLength` (from the
/// next prefix on). Delivery stops once `connectionLost` has run. A hook must not feed
/// `dataReceived` itself.
template <class Prefix>
class IntNStringReceiver : public Protocol {
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

 private:
  [[nodiscard]] static std::size_t decode(std::string_view prefix) noexcept;
  bool tooLong(std::size_t length);

  std::size_t maxLength_;
  std::string buffer_;  // An incomplete prefix, or a complete prefix and part of its string.
  bool broken_ = false;
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
