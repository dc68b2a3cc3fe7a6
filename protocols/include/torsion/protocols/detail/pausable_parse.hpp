#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace torsion {

namespace detail {

/// The byte queue, re-entrancy guard and pause state shared by the receivers that parse a byte
/// stream into units (LineReceiver's lines, IntNStringReceiver's strings). Each receiver keeps
/// only its own parsing. An implementation detail, not part of the public API.
///
/// Flow control is Twisted's `_PauseableMixin`: pausing the receiver pauses the transport *and*
/// stops delivering the units it already holds, even in the middle of a chunk; resuming resumes
/// the transport and delivers the held units, in order, before any new data; stopping stops
/// delivery for good and stops the transport.
///
/// Re-entrant bytes: a hook may call `dataReceived` (directly, through `resumeProducing`, or
/// through a method such as LineReceiver::setLineMode). Those bytes are not parsed inside that
/// call: they are queued in `incoming_`, and the loop that is already running reaches them after
/// the bytes before them. Parsing them at once would deliver units out of order, from inside the
/// hook; appending them to `buffer_` could reallocate it under the view the hook is reading (the
/// line or string it was handed points into `buffer_`).
///
/// The unparsed bytes are, in order: `buffer_[start_..]`, then `chunk_` (the unparsed rest of the
/// chunk the outermost `dataReceived` is parsing, read in place, without a copy), then
/// `incoming_`. Between calls only `buffer_` holds anything: an incomplete unit, or what arrived
/// while paused.
///
/// Use: a receiver derives from it privately, befriends it, and passes itself to the member
/// templates (`receive(*this, data)` from its `dataReceived`, and so on). It is not a CRTP base
/// because IntNStringReceiver is a template: a base that depends on its parameter would make its
/// code spell `this->buffer_`. Every call is resolved at compile time, so no virtual call and no
/// allocation is added per chunk. The receiver provides, privately:
///   - `bool deliverOne()`: delivers one unit; false when more bytes are needed or parsing must
///     stop. It runs only between hooks, so it may reshape `buffer_` freely.
///   - `bool finished() const`: true once nothing will be delivered again (say, the transport is
///     disconnecting). Bytes that arrive from outside then are dropped, not kept.
///   - `static constexpr bool kQueuesWhenFinished`: whether bytes a hook gives back are queued
///     even when finished (LineReceiver's are, so that clearLineBuffer returns them).
///   - `void compact()`: between calls, leaves only `buffer_` holding the unparsed bytes, usually
///     through `keepUnparsed()`.
///
/// Ownership: owns the unparsed bytes; `chunk_` borrows the caller's data for one call only.
/// Thread: the reactor's thread only.
/// Re-entrancy: as described above; `receive` rethrows what a hook throws, leaving no view into
/// the caller's data behind.
class PausableParse {
 protected:
  /// The body of the receiver's `dataReceived`: parses `data` after the bytes already held, or
  /// queues it when called from inside a hook.
  template <class Receiver>
  void receive(Receiver& receiver, std::string_view data);

  /// The body of `pauseProducing`: stops delivery and pauses the transport. Does nothing if
  /// already paused.
  template <class Receiver>
  void pauseParsing(Receiver& receiver);

  /// The body of `resumeProducing`: resumes the transport and delivers what was held. Does
  /// nothing unless paused, nor once stopped.
  template <class Receiver>
  void resumeParsing(Receiver& receiver);

  /// The body of `stopProducing`: stops delivery for good and stops the transport (which loses
  /// the connection). Does nothing the second time.
  template <class Receiver>
  void stopParsing(Receiver& receiver);

  /// The unparsed bytes of `buffer_`.
  [[nodiscard]] std::string_view held() const noexcept {
    return std::string_view{buffer_}.substr(start_);
  }

  /// Leaves only `buffer_` holding the unparsed bytes, for the next call.
  void keepUnparsed();

  /// Drops every unparsed byte and the memory that held them.
  void dropAll() noexcept {
    buffer_ = {};
    start_ = 0;
    chunk_ = {};
    incoming_ = {};
  }

  bool paused_ = false;
  bool stopped_ = false;
  bool busy_ = false;  // A dataReceived is parsing: its loop is on the stack.
  std::string buffer_;
  std::size_t start_ = 0;
  std::string_view chunk_;
  std::string incoming_;

 private:
  // A buffer that once held a burst (say, data received while paused) gives its memory back when
  // it empties, so one burst does not pin that much memory for the life of the connection.
  static constexpr std::size_t kShrinkAbove = std::size_t{64} * 1024;

  template <class Receiver>
  [[nodiscard]] bool mayDeliver(const Receiver& receiver) const;
};

template <class Receiver>
void PausableParse::receive(Receiver& receiver, std::string_view data) {
  if (busy_) {
    if (Receiver::kQueuesWhenFinished || !receiver.finished()) {
      incoming_.append(data);
    }
    return;
  }
  if (receiver.finished()) {
    return;  // Nothing will be delivered again: do not hold on to the bytes.
  }
  busy_ = true;
  chunk_ = data;
  try {
    while (mayDeliver(receiver) && receiver.deliverOne()) {
    }
    receiver.compact();
  } catch (...) {
    // The chunk dies with this call; the connection is being aborted anyway.
    chunk_ = {};
    busy_ = false;
    throw;
  }
  busy_ = false;
}

template <class Receiver>
void PausableParse::pauseParsing(Receiver& receiver) {
  if (paused_) {
    return;
  }
  paused_ = true;
  if (receiver.transport() != nullptr) {
    receiver.transport()->pauseProducing();
  }
}

template <class Receiver>
void PausableParse::resumeParsing(Receiver& receiver) {
  if (!paused_ || stopped_) {
    return;
  }
  paused_ = false;
  if (receiver.transport() != nullptr) {
    receiver.transport()->resumeProducing();
  }
  // Deliver what was held while paused. From inside a hook this call only returns, and the
  // loop that is already running picks the held bytes up.
  receiver.dataReceived({});
}

template <class Receiver>
void PausableParse::stopParsing(Receiver& receiver) {
  if (stopped_) {
    return;
  }
  stopped_ = true;
  paused_ = true;
  if (receiver.transport() != nullptr) {
    receiver.transport()->stopProducing();
  }
}

template <class Receiver>
bool PausableParse::mayDeliver(const Receiver& receiver) const {
  // A null transport means connectionLost has run (or makeConnection has not): nobody should
  // hear from this protocol any more.
  return !paused_ && !stopped_ && receiver.transport() != nullptr && !receiver.finished();
}

inline void PausableParse::keepUnparsed() {
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(chunk_);
  chunk_ = {};
  buffer_.append(incoming_);
  incoming_.clear();
  if (buffer_.empty() && buffer_.capacity() > kShrinkAbove) {
    buffer_.shrink_to_fit();
  }
}

}  // namespace detail

}  // namespace torsion
