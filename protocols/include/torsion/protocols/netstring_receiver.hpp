#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <torsion/protocols/errors.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// A protocol that sends and receives netstrings, `<length>:<data>,` as in
/// http://cr.yp.to/proto/netstrings.txt (Twisted's `NetstringReceiver`).
///
/// Parsing is strict: the length is ASCII digits without leading zeros ("0" alone is fine), at
/// most `maxLength()`, then ':', the data, and ','. The first byte that breaks a rule sets
/// `brokenPeer()` and calls `netstringError` with a NetstringParseError saying which rule,
/// e.g. "netstring: length too long (123456 > 99999)"; the default logs it and loses the
/// connection. Nothing after that byte is parsed, then or later: the stream cannot be resynced.
/// A length is refused as soon as its digits exceed the limit, before its data arrives, and
/// only data that really arrived is buffered: a big length reserves nothing.
///
/// Disconnecting: once the transport is disconnecting (a hook called `loseConnection`, say),
/// no more strings are delivered: the rest of the chunk and later bytes are dropped. This is a
/// torsion rule beyond Twisted, whose NetstringReceiver goes on delivering the rest of the
/// chunk; it matches what Twisted's LineReceiver does, so that no hook runs for a connection
/// that is going away.
///
/// Flow control: no pausing of the receiver itself (Twisted's NetstringReceiver has none):
/// pausing the transport stops new chunks, but the strings of the chunk being parsed are still
/// delivered. IntNStringReceiver can be paused mid-chunk.
///
/// Example:
///     class Echo final : public torsion::NetstringReceiver {
///       void stringReceived(std::string_view s) override { sendString(s); }
///     };
///
/// Ownership: as Protocol. Strings passed to `stringReceived` are valid only during the call.
/// Thread: the reactor's thread only.
/// Re-entrancy: hooks may write, lose or abort the connection, and change `maxLength` (from the
/// next length on). Delivery stops as soon as the hook that ran returns if the transport is
/// disconnecting or `connectionLost` ran. A hook must not feed `dataReceived` itself.
class NetstringReceiver : public Protocol {
 public:
  /// Twisted's `MAX_LENGTH` default.
  static constexpr std::size_t kDefaultMaxLength = 99999;

  /// A receiver accepting strings of up to `maxLength` bytes.
  explicit NetstringReceiver(std::size_t maxLength = kDefaultMaxLength) : maxLength_(maxLength) {}

  /// Receives bytes and calls `stringReceived` for each netstring. Override the hooks instead.
  void dataReceived(std::string_view data) override;

  /// A complete netstring arrived; `string` is its data. Defaults to doing nothing.
  virtual void stringReceived(std::string_view string) { (void)string; }

  /// The peer broke the netstring rules; `brokenPeer()` is already true. The default logs
  /// `error` at warn level (namespace "torsion.protocols") and loses the connection.
  virtual void netstringError(const NetstringParseError& error);

  /// Writes `string` as a netstring, with one vectored write. Ignored when not connected.
  void sendString(std::string_view string);

  /// True once the peer sent something that is not a netstring (Twisted's `brokenPeer`).
  [[nodiscard]] bool brokenPeer() const noexcept { return brokenPeer_; }

  /// The longest string accepted, in bytes (Twisted's `MAX_LENGTH`).
  [[nodiscard]] std::size_t maxLength() const noexcept { return maxLength_; }

  /// Changes the longest string accepted.
  void setMaxLength(std::size_t maxLength) noexcept { maxLength_ = maxLength; }

 private:
  enum class State { kLength, kData, kComma };

  bool parseLengthByte(char byte);
  bool parseData(std::string_view& data);
  bool parseComma(std::string_view& data);
  [[nodiscard]] bool mayGoOn() const;
  void fail(const std::string& message);

  std::size_t maxLength_;
  State state_ = State::kLength;
  std::size_t length_ = 0;  // The length being read, then the current string's length.
  std::size_t digits_ = 0;  // Digits of the length read so far.
  std::string data_;        // The current string's data, when it spans chunks.
  bool brokenPeer_ = false;
};

}  // namespace torsion
