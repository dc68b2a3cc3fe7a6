#include <algorithm>
#include <array>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/line_receiver.hpp>

namespace torsion {

LineReceiver::LineReceiver(std::size_t maxLength, std::string delimiter)
    : delimiter_(std::move(delimiter)), maxLength_(maxLength) {
  if (delimiter_.empty()) {
    throw ValueError("LineReceiver: the delimiter must not be empty");
  }
}

void LineReceiver::setDelimiter(std::string delimiter) {
  if (delimiter.empty()) {
    throw ValueError("LineReceiver: the delimiter must not be empty");
  }
  delimiter_ = std::move(delimiter);
  scanned_ = start_;  // The old delimiter's scan says nothing about the new one.
}

void LineReceiver::dataReceived(std::string_view data) {
  receive(*this, data);
}

void LineReceiver::setLineMode(std::string_view extra) {
  lineMode_ = true;
  if (!extra.empty()) {
    dataReceived(extra);
  }
}

std::string LineReceiver::clearLineBuffer() {
  return takeAll();
}

void LineReceiver::sendLine(std::string_view line) {
  if (transport() == nullptr) {
    return;
  }
  const std::array<std::string_view, 2> parts{line, delimiter_};
  transport()->writeSequence(parts);
}

void LineReceiver::lineLengthExceeded(std::string_view line) {
  (void)line;
  if (transport() != nullptr) {
    transport()->loseConnection();
  }
}

void LineReceiver::pauseProducing() {
  pauseParsing(*this);
}

void LineReceiver::resumeProducing() {
  resumeParsing(*this);
}

void LineReceiver::stopProducing() {
  stopParsing(*this);
}

// Once the transport is disconnecting (a hook or the peer closed it) no line is delivered again,
// and bytes arriving from outside are dropped.
bool LineReceiver::finished() const {
  return transport() != nullptr && transport()->disconnecting();
}

// Delivers one line or one raw chunk; false when more data is needed (or parsing must stop).
// Runs only between hooks, so it may reshape buffer_ freely: no hook holds a view into it.
bool LineReceiver::deliverOne() {
  if (start_ == buffer_.size() && !buffer_.empty()) {
    buffer_.clear();
    start_ = 0;
    scanned_ = 0;
  }
  if (buffer_.empty() && chunk_.empty()) {
    if (incoming_.empty()) {
      return false;
    }
    buffer_.swap(incoming_);
  }
  if (lineMode_) {
    return deliverLine();
  }
  // Raw mode hands over everything held in one call, as Twisted does, so that a
  // setLineMode(rest) from rawDataReceived puts `rest` back in front of any later bytes.
  const int segments = static_cast<int>(start_ < buffer_.size()) +
                       static_cast<int>(!chunk_.empty()) + static_cast<int>(!incoming_.empty());
  if (segments > 1) {
    mergeAll();
  }
  std::string_view data;
  if (start_ < buffer_.size()) {
    data = held();
    start_ = buffer_.size();  // Consumed, but the bytes stay put while the hook reads them.
  } else {
    data = chunk_;
    chunk_ = {};
  }
  rawDataReceived(data);
  return true;
}

bool LineReceiver::deliverLine() {
  const std::size_t delimiterSize = delimiter_.size();
  bool found = false;
  std::string_view line;
  std::string_view rest;  // The unparsed data when no delimiter is found.
  if (start_ < buffer_.size()) {
    const std::size_t pos = buffer_.find(delimiter_, std::max(start_, scanned_));
    if (pos == std::string::npos) {
      // Whatever can still complete a delimiter is its last (size - 1) bytes.
      scanned_ = std::max(start_, buffer_.size() - std::min(buffer_.size(), delimiterSize - 1));
      if (!chunk_.empty() || !incoming_.empty()) {
        extendBuffer();
        return true;
      }
      rest = held();
    } else {
      found = true;
      line = std::string_view{buffer_}.substr(start_, pos - start_);
      start_ = pos + delimiterSize;
    }
  } else {
    const std::size_t pos = chunk_.find(delimiter_);
    if (pos == std::string_view::npos) {
      if (!incoming_.empty()) {
        // Bytes queued by a hook follow this tail: join them in the buffer.
        buffer_.assign(chunk_);
        chunk_ = {};
        return true;
      }
      rest = chunk_;
    } else {
      found = true;
      line = chunk_.substr(0, pos);
      chunk_.remove_prefix(pos + delimiterSize);
    }
  }
  if (!found) {
    // No complete line. Twisted's rule for an unterminated tail: too long once it could no
    // longer be a maxLength line plus its delimiter.
    if (rest.size() >= delimiterSize && rest.size() - delimiterSize >= maxLength_) {
      const std::string all = takeAll();
      lineLengthExceeded(all);
      return resumeAfterExceeded();
    }
    return false;
  }
  if (line.size() > maxLength_) {
    // Twisted passes the line, its delimiter and everything buffered after it, and stops.
    std::string exceeded;
    exceeded.reserve(line.size() + delimiterSize + held().size() + chunk_.size() +
                     incoming_.size());
    exceeded.append(line).append(delimiter_).append(takeAll());
    lineLengthExceeded(exceeded);
    return resumeAfterExceeded();
  }
  lineReceived(line);
  return true;
}

// After lineLengthExceeded, parsing stops, as in Twisted: the default hook loses the connection
// and nothing after the long line may be delivered. A hook that gave bytes back through
// setLineMode(rest) or dataReceived wants them parsed, so then (and only then) parsing goes on,
// where Twisted would leave them until the next chunk arrives.
bool LineReceiver::resumeAfterExceeded() const noexcept {
  return !incoming_.empty();
}

// Joins every unparsed byte into buffer_, for a raw chunk that must be delivered whole.
void LineReceiver::mergeAll() {
  buffer_.erase(0, start_);
  start_ = 0;
  scanned_ = 0;
  buffer_.append(chunk_);
  chunk_ = {};
  buffer_.append(incoming_);
  incoming_.clear();
}

// Moves into buffer_ just enough bytes to complete its line: the head of the chunk up to and
// including its first delimiter, or the queued bytes when the chunk is used up. The rest of the
// chunk stays where it is and is parsed in place.
void LineReceiver::extendBuffer() {
  if (start_ > 0) {
    buffer_.erase(0, start_);
    scanned_ -= std::min(scanned_, start_);
    start_ = 0;
  }
  if (!chunk_.empty()) {
    const std::size_t pos = chunk_.find(delimiter_);
    const std::size_t take =
        pos == std::string_view::npos ? chunk_.size() : pos + delimiter_.size();
    buffer_.append(chunk_.substr(0, take));
    chunk_.remove_prefix(take);
  } else {
    buffer_.append(incoming_);
    incoming_.clear();
  }
}

// Leaves only buffer_ holding the unparsed bytes, for the next call.
void LineReceiver::compact() {
  scanned_ -= std::min(scanned_, start_);  // It counts from the bytes about to be erased.
  keepUnparsed();
}

// Empties the buffer and returns its contents. It leaves the bytes of buffer_ in place (only
// marking them consumed) because a hook may be reading a view into them right now.
std::string LineReceiver::takeAll() {
  std::string all;
  all.reserve(held().size() + chunk_.size() + incoming_.size());
  all.append(held()).append(chunk_).append(incoming_);
  start_ = buffer_.size();
  scanned_ = start_;
  chunk_ = {};
  incoming_.clear();
  return all;
}

}  // namespace torsion
