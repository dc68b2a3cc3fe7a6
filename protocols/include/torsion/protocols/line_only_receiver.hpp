#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <torsion/transports/protocol.hpp>

namespace torsion {

/// A protocol that splits the byte stream into lines and nothing else (Twisted's
/// `LineOnlyReceiver`): LineReceiver's fast path for protocols that never need raw mode or
/// pausing.
///
/// Line length: a complete line longer than `maxLength()` bytes calls `lineLengthExceeded` with
/// that line; an unterminated tail longer than `maxLength()` calls it with the tail. Either way
/// the rest of the chunk is dropped (Twisted's rules, except that Twisted keeps the tail it
/// passed, which lets a peer grow it without bound). The default closes the connection.
///
/// Disconnecting: once the transport is disconnecting (a hook called `loseConnection`, or
/// `lineLengthExceeded`'s default did), no more lines are delivered: the rest of the chunk and
/// later bytes are dropped. Twisted does the same for the rest of the chunk.
///
/// Flow control: no pausing of the receiver itself (Twisted's has none either): pausing the
/// transport stops new chunks, but the lines of the chunk being parsed are still delivered.
/// Use LineReceiver when a hook must be able to pause mid-chunk.
///
/// Example:
///     class Upper final : public torsion::LineOnlyReceiver {
///       void lineReceived(std::string_view line) override {
///         std::string up(line);
///         std::transform(up.begin(), up.end(), up.begin(), ::toupper);
///         sendLine(up);
///       }
///     };
///
/// Ownership: as Protocol. Lines passed to the hooks are views valid only during the call.
/// Thread: the reactor's thread only.
/// Re-entrancy: hooks may write, lose or abort the connection, and change the delimiter or
/// `maxLength` (from the next chunk on). Delivery stops as soon as the hook that ran returns if
/// the transport is disconnecting or `connectionLost` ran. Unlike LineReceiver, a hook must not
/// feed `dataReceived` itself.
class LineOnlyReceiver : public Protocol {
 public:
  /// Twisted's `MAX_LENGTH` default.
  static constexpr std::size_t kDefaultMaxLength = 16384;

  /// A receiver with the delimiter "\r\n" and maxLength 16384.
  LineOnlyReceiver() = default;

  /// A receiver with the given limit and delimiter.
  /// @throws ValueError if `delimiter` is empty.
  explicit LineOnlyReceiver(std::size_t maxLength, std::string delimiter = "\r\n");

  /// Receives bytes and calls `lineReceived` for each complete line. Override the hooks instead.
  void dataReceived(std::string_view data) override;

  /// A complete line arrived, without its delimiter. Defaults to doing nothing.
  virtual void lineReceived(std::string_view line) { (void)line; }

  /// A line went over the limit (see the class comment). The default loses the connection.
  virtual void lineLengthExceeded(std::string_view line);

  /// Writes `line` followed by the delimiter, with one vectored write. Ignored when not
  /// connected.
  void sendLine(std::string_view line);

  /// The line delimiter.
  [[nodiscard]] const std::string& delimiter() const noexcept { return delimiter_; }

  /// Changes the line delimiter.
  /// @throws ValueError if `delimiter` is empty.
  void setDelimiter(std::string delimiter);

  /// The longest line accepted, in bytes (Twisted's `MAX_LENGTH`).
  [[nodiscard]] std::size_t maxLength() const noexcept { return maxLength_; }

  /// Changes the longest line accepted.
  void setMaxLength(std::size_t maxLength) noexcept { maxLength_ = maxLength; }

 private:
  std::string delimiter_ = "\r\n";
  std::size_t maxLength_ = kDefaultMaxLength;
  std::string buffer_;       // The unterminated tail of the stream.
  std::size_t scanned_ = 0;  // buffer_[0..scanned_) holds no delimiter start.
};

}  // namespace torsion
