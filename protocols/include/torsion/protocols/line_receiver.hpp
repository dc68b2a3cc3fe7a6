#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <torsion/protocols/detail/pausable_parse.hpp>
#include <torsion/transports/ipush_producer.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion {

/// A protocol that splits the byte stream into lines, and can switch to raw data and back
/// (Twisted's `LineReceiver`). The base of line-based protocols such as SMTP, POP3 or HTTP/1.
///
/// In line mode each delimited line (delimiter removed) goes to `lineReceived`; in raw mode each
/// chunk goes to `rawDataReceived`. `setRawMode` and `setLineMode` may be called from either
/// hook, and the rest of the chunk being parsed goes to the new mode.
///
/// Line length: a complete line longer than `maxLength()` bytes, or an unterminated tail of at
/// least `maxLength() + delimiter().size()` bytes, calls `lineLengthExceeded` with everything
/// buffered from the start of that line on (the buffer is emptied first), and parsing of the
/// current chunk stops. The default closes the connection. These are Twisted's exact rules.
/// One refinement: if the hook gives bytes back (`setLineMode(rest)` or `dataReceived`), they
/// are parsed at once rather than when the next chunk arrives.
///
/// Flow control: a LineReceiver is an IPushProducer of lines, as in Twisted. Its
/// `pauseProducing` pauses the transport *and* stops delivering lines it already holds;
/// `resumeProducing` resumes the transport and delivers the held lines, in order, before any
/// new data. Pause through the LineReceiver (from a hook, or by registering it as another
/// consumer's producer), not through `transport()->pauseProducing()`, which only stops new
/// chunks. `stopProducing` stops delivery for good and loses the connection.
///
/// Disconnecting: once the transport is disconnecting (a hook called `loseConnection`, or
/// `lineLengthExceeded`'s default did), no more lines or raw data are delivered: the rest of
/// the chunk stays in the buffer (`clearLineBuffer` returns it) and later bytes are dropped.
/// Twisted checks `transport.disconnecting` after each line; torsion checks before every
/// delivery, so raw data and a later chunk's first line are stopped too.
///
/// Example:
///     class Shout final : public torsion::LineReceiver {
///       void lineReceived(std::string_view line) override {
///         if (line == "quit") { transport()->loseConnection(); return; }  // no more lines
///         sendLine(std::string(line) + "!");
///       }
///     };
///
/// Ownership: as Protocol. Lines passed to the hooks are views valid only during the call.
/// Thread: the reactor's thread only.
/// Re-entrancy: hooks may write, pause, resume, stop, switch mode, change the delimiter or
/// `maxLength`, call `clearLineBuffer`, and call `dataReceived`/`setLineMode(extra)` (the bytes
/// are queued behind those already held). Delivery stops as soon as the hook that ran returns
/// if it paused or stopped the receiver, if the transport is disconnecting, or if the
/// connection was lost (`connectionLost` ran).
class LineReceiver : public Protocol, public IPushProducer, private detail::PausableParse {
 public:
  /// Twisted's `MAX_LENGTH` default.
  static constexpr std::size_t kDefaultMaxLength = 16384;

  /// A receiver in line mode with the delimiter "\r\n" and maxLength 16384.
  LineReceiver() = default;

  /// A receiver with the given limit and delimiter.
  /// @throws ValueError if `delimiter` is empty.
  explicit LineReceiver(std::size_t maxLength, std::string delimiter = "\r\n");

  /// Receives bytes and hands them to the current mode's hook. Override the hooks instead.
  void dataReceived(std::string_view data) override;

  /// A complete line arrived, without its delimiter. Defaults to doing nothing.
  virtual void lineReceived(std::string_view line) { (void)line; }

  /// Raw bytes arrived in raw mode. Defaults to doing nothing.
  virtual void rawDataReceived(std::string_view data) { (void)data; }

  /// A line went over the limit (see the class comment). `line` holds the too-long data and
  /// whatever was buffered after it. The default loses the connection.
  virtual void lineLengthExceeded(std::string_view line);

  /// Writes `line` followed by the delimiter, with one vectored write. Ignored when not
  /// connected.
  void sendLine(std::string_view line);

  /// Sends later bytes, and the rest of the current chunk, to `rawDataReceived`.
  void setRawMode() noexcept { lineMode_ = false; }

  /// Sends later bytes to `lineReceived`. `extra` (bytes a `rawDataReceived` did not use) is
  /// parsed for lines after anything still held, as if it had just been received.
  void setLineMode(std::string_view extra = {});

  /// True in line mode (the initial mode).
  [[nodiscard]] bool lineMode() const noexcept { return lineMode_; }

  /// Empties the buffer and returns what it held: the unparsed rest of the current chunk
  /// included, when called from a hook.
  std::string clearLineBuffer();

  /// The line delimiter.
  [[nodiscard]] const std::string& delimiter() const noexcept { return delimiter_; }

  /// Changes the line delimiter; it applies from the next line on.
  /// @throws ValueError if `delimiter` is empty.
  void setDelimiter(std::string delimiter);

  /// The longest line accepted, in bytes (Twisted's `MAX_LENGTH`).
  [[nodiscard]] std::size_t maxLength() const noexcept { return maxLength_; }

  /// Changes the longest line accepted.
  void setMaxLength(std::size_t maxLength) noexcept { maxLength_ = maxLength; }

  /// Stops delivering lines and pauses the transport. Does nothing if already paused.
  void pauseProducing() override;

  /// Resumes the transport and delivers the lines held while paused.
  void resumeProducing() override;

  /// Stops delivering lines for good and loses the connection (ITransport::stopProducing).
  void stopProducing() override;

  /// True between pauseProducing (or stopProducing) and resumeProducing.
  [[nodiscard]] bool paused() const noexcept { return paused_; }

 private:
  // The queue, pause state and dataReceived loop live in the helper (see its comment); this
  // class keeps the line parsing.
  friend class detail::PausableParse;
  static constexpr bool kQueuesWhenFinished = true;  // clearLineBuffer returns a hook's bytes.

  [[nodiscard]] bool finished() const;
  bool deliverOne();
  bool deliverLine();
  [[nodiscard]] bool resumeAfterExceeded() const noexcept;
  void mergeAll();
  void extendBuffer();
  void compact();
  std::string takeAll();

  std::string delimiter_ = "\r\n";
  std::size_t maxLength_ = kDefaultMaxLength;
  bool lineMode_ = true;
  std::size_t scanned_ = 0;  // buffer_[start_..scanned_) holds no delimiter start.
};

}  // namespace torsion
