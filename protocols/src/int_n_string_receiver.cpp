#include <algorithm>
#include <array>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include <torsion/protocols/errors.hpp>
#include <torsion/protocols/int_n_string_receiver.hpp>

namespace torsion {

template <class Prefix>
std::size_t IntNStringReceiver<Prefix>::decode(std::string_view prefix) noexcept {
  std::size_t length = 0;
  for (std::size_t i = 0; i < kPrefixLength; ++i) {
    length = (length << 8U) | static_cast<unsigned char>(prefix[i]);
  }
  return length;
}

template <class Prefix>
void IntNStringReceiver<Prefix>::dataReceived(std::string_view data) {
  receive(*this, data);
}

template <class Prefix>
void IntNStringReceiver<Prefix>::pauseProducing() {
  pauseParsing(*this);
}

template <class Prefix>
void IntNStringReceiver<Prefix>::resumeProducing() {
  resumeParsing(*this);
}

template <class Prefix>
void IntNStringReceiver<Prefix>::stopProducing() {
  stopParsing(*this);
}

// True once no string will ever be delivered again, so bytes need not be kept.
template <class Prefix>
bool IntNStringReceiver<Prefix>::finished() const {
  return broken_ || stopped_ || (transport() != nullptr && transport()->disconnecting());
}

// Delivers one string; false when more data is needed (or parsing must stop). Runs only between
// hooks, so it may reshape buffer_ freely: no hook holds a view into it.
template <class Prefix>
bool IntNStringReceiver<Prefix>::deliverOne() {
  if (start_ == buffer_.size() && !buffer_.empty()) {
    buffer_.clear();
    start_ = 0;
  }
  if (!buffer_.empty()) {
    return deliverHeld();
  }
  if (chunk_.empty()) {
    if (incoming_.empty()) {
      return false;
    }
    buffer_.swap(incoming_);
    return true;
  }
  // The fast path: a whole string in the chunk is delivered in place, without a copy.
  if (chunk_.size() >= kPrefixLength) {
    const std::size_t length = decode(chunk_);
    if (tooLong(length)) {
      return false;
    }
    if (chunk_.size() - kPrefixLength >= length) {
      const std::string_view string = chunk_.substr(kPrefixLength, length);
      chunk_.remove_prefix(kPrefixLength + length);
      stringReceived(string);
      return true;
    }
  }
  // An incomplete string: hold it; it goes on in the queued bytes, or in the next chunk.
  buffer_.assign(chunk_);
  chunk_ = {};
  return !incoming_.empty();
}

// Delivers the string that starts at buffer_[start_], completing it from the chunk and the
// queued bytes as far as they go.
template <class Prefix>
bool IntNStringReceiver<Prefix>::deliverHeld() {
  if (!fill(kPrefixLength)) {
    return false;
  }
  const std::size_t length = decode(held());
  if (tooLong(length)) {
    return false;
  }
  if (!fill(kPrefixLength + length)) {
    return false;
  }
  const std::string_view string = held().substr(kPrefixLength, length);
  start_ += kPrefixLength + length;  // Consumed, but the bytes stay put while the hook reads.
  stringReceived(string);
  return true;
}

// Moves bytes into buffer_ until it holds `size` unparsed bytes: from the chunk no more than
// that (the rest is parsed in place), then the whole queue. False (everything moved) if there
// are not enough yet.
template <class Prefix>
bool IntNStringReceiver<Prefix>::fill(std::size_t size) {
  if (held().size() >= size) {
    return true;
  }
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const std::size_t fromChunk = std::min(size - buffer_.size(), chunk_.size());
  buffer_.append(chunk_.substr(0, fromChunk));
  chunk_.remove_prefix(fromChunk);
  if (buffer_.size() < size && !incoming_.empty()) {
    // The queued bytes are already a copy: join them all, and parse on from buffer_.
    buffer_.append(incoming_);
    incoming_.clear();
  }
  return buffer_.size() >= size;
}

// Reports a too-long prefix and stops parsing for good; true if it did.
template <class Prefix>
bool IntNStringReceiver<Prefix>::tooLong(std::size_t length) {
  if (length <= maxLength_) {
    return false;
  }
  broken_ = true;
  dropAll();
  lengthLimitExceeded(length);
  return true;
}

// Leaves only buffer_ holding the unparsed bytes, for the next call; drops them all once no
// string will be delivered again.
template <class Prefix>
void IntNStringReceiver<Prefix>::compact() {
  if (finished()) {
    dropAll();
    return;
  }
  keepUnparsed();
}

template <class Prefix>
void IntNStringReceiver<Prefix>::lengthLimitExceeded(std::size_t length) {
  (void)length;
  if (transport() != nullptr) {
    transport()->loseConnection();
  }
}

template <class Prefix>
void IntNStringReceiver<Prefix>::sendString(std::string_view string) {
  constexpr std::size_t kMax = std::numeric_limits<Prefix>::max();
  if (string.size() > kMax) {
    throw StringTooLongError(
        fmt::format("IntNStringReceiver: a {}-byte string does not fit a {}-byte length prefix "
                    "(at most {} bytes)",
                    string.size(), kPrefixLength, kMax));
  }
  if (transport() == nullptr) {
    return;
  }
  std::array<char, kPrefixLength> prefix{};
  std::size_t length = string.size();
  for (std::size_t i = kPrefixLength; i-- > 0;) {
    prefix[i] = static_cast<char>(length & 0xffU);
    length >>= 8U;
  }
  const std::array<std::string_view, 2> parts{std::string_view(prefix.data(), prefix.size()),
                                              string};
  transport()->writeSequence(parts);
}

template class IntNStringReceiver<std::uint8_t>;
template class IntNStringReceiver<std::uint16_t>;
template class IntNStringReceiver<std::uint32_t>;

}  // namespace torsion
