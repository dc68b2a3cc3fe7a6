#include <algorithm>
#include <array>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/protocols/line_only_receiver.hpp>

namespace torsion {

namespace {

// Finds the next line in `held` from `pos`, first moving into `held` as much of the head of
// `rest` as can complete it (up to and including rest's first delimiter). `scan` remembers
// where a delimiter could still start, so a long line arriving in small chunks is scanned once.
// Returns false, with `held` keeping the tail, when `rest` ran out before a delimiter did.
bool nextHeldLine(std::string& held, std::size_t& pos, std::size_t& scan, std::string_view& rest,
                  std::string_view delimiter, std::string_view& line) {
  while (true) {
    const std::size_t end = held.find(delimiter, std::max(pos, scan));
    if (end != std::string::npos) {
      line = std::string_view{held}.substr(pos, end - pos);
      pos = end + delimiter.size();
      return true;
    }
    scan = std::max(pos, held.size() - std::min(held.size(), delimiter.size() - 1));
    if (rest.empty()) {
      return false;
    }
    const std::size_t next = rest.find(delimiter);
    const std::size_t take = next == std::string_view::npos ? rest.size() : next + delimiter.size();
    held.append(rest.substr(0, take));
    rest.remove_prefix(take);
  }
}

}  // namespace

LineOnlyReceiver::LineOnlyReceiver(std::size_t maxLength, std::string delimiter)
    : delimiter_(std::move(delimiter)), maxLength_(maxLength) {
  if (delimiter_.empty()) {
    throw ValueError("LineOnlyReceiver: the delimiter must not be empty");
  }
}

void LineOnlyReceiver::setDelimiter(std::string delimiter) {
  if (delimiter.empty()) {
    throw ValueError("LineOnlyReceiver: the delimiter must not be empty");
  }
  delimiter_ = std::move(delimiter);
  scanned_ = 0;
}

void LineOnlyReceiver::dataReceived(std::string_view data) {
  if (transport() != nullptr && transport()->disconnecting()) {
    return;  // No line will be delivered again: do not hold on to the bytes.
  }
  const std::string delimiter = delimiter_;  // A hook may change it; this chunk keeps the old.
  const std::size_t delimiterSize = delimiter.size();
  // The buffered tail moves into a local while lines are delivered, so a line viewing it stays
  // valid whatever the hook does. Only the head of `data` that completes the tail's line is
  // copied; the rest of `data` is parsed in place.
  std::string held;
  held.swap(buffer_);
  std::size_t heldPos = 0;
  std::size_t scan = scanned_;
  scanned_ = 0;
  std::string_view rest = data;
  while (true) {
    std::string_view line;
    if (heldPos < held.size()) {
      if (!nextHeldLine(held, heldPos, scan, rest, delimiter, line)) {
        break;
      }
    } else {
      const std::size_t pos = rest.find(delimiter);
      if (pos == std::string_view::npos) {
        break;
      }
      line = rest.substr(0, pos);
      rest.remove_prefix(pos + delimiterSize);
    }
    if (line.size() > maxLength_) {
      lineLengthExceeded(line);
      return;
    }
    lineReceived(line);
    if (transport() == nullptr || transport()->disconnecting()) {
      // connectionLost ran, or the connection is ending (Twisted checks
      // `transport.disconnecting` here too): nobody wants the rest of the chunk.
      return;
    }
  }
  // Keep the unterminated tail: either the rest of `held` (then `rest` is empty) or of `data`.
  const bool tailInHeld = heldPos < held.size();
  const std::string_view tail = tailInHeld ? std::string_view{held}.substr(heldPos) : rest;
  if (tail.size() > maxLength_) {
    lineLengthExceeded(tail);
    return;
  }
  if (tailInHeld) {
    held.erase(0, heldPos);
    scanned_ = scan - heldPos;
  } else {
    held.assign(rest);
    scanned_ = rest.size() - std::min(rest.size(), delimiterSize - 1);
  }
  if (delimiter_ != delimiter) {
    // A hook changed the delimiter: how far the tail was scanned for the old one says nothing
    // about the new one (found by tests/fuzz/line_only_receiver_fuzzer.cpp).
    scanned_ = 0;
  }
  held.append(buffer_);  // Empty unless a hook fed dataReceived, which it must not.
  buffer_.swap(held);
}

void LineOnlyReceiver::sendLine(std::string_view line) {
  if (transport() == nullptr) {
    return;
  }
  const std::array<std::string_view, 2> parts{line, delimiter_};
  transport()->writeSequence(parts);
}

void LineOnlyReceiver::lineLengthExceeded(std::string_view line) {
  (void)line;
  if (transport() != nullptr) {
    transport()->loseConnection();
  }
}

}  // namespace torsion
