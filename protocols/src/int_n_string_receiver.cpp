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

// Reports a too-long prefix and stops parsing for good; true if it did.
template <class Prefix>
bool IntNStringReceiver<Prefix>::tooLong(std::size_t length) {
  if (length <= maxLength_) {
    return false;
  }
  broken_ = true;
  buffer_ = {};
  lengthLimitExceeded(length);
  return true;
}

template <class Prefix>
void IntNStringReceiver<Prefix>::dataReceived(std::string_view data) {
  if (broken_) {
    return;
  }
  if (!buffer_.empty()) {
    // Complete the buffered prefix, then its string, copying only the bytes they need; the
    // rest of `data` is parsed in place below.
    if (buffer_.size() < kPrefixLength) {
      const std::size_t take = std::min(kPrefixLength - buffer_.size(), data.size());
      buffer_.append(data.substr(0, take));
      data.remove_prefix(take);
      if (buffer_.size() < kPrefixLength) {
        return;
      }
      if (tooLong(decode(buffer_))) {
        return;
      }
    }
    const std::size_t total = kPrefixLength + decode(buffer_);
    const std::size_t take = std::min(total - buffer_.size(), data.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (buffer_.size() < total) {
      return;
    }
    // Move the message out first, so the hook may do anything with this receiver.
    const std::string message = std::exchange(buffer_, {});
    stringReceived(std::string_view{message}.substr(kPrefixLength));
    if (transport() == nullptr || broken_) {
      return;
    }
  }
  while (data.size() >= kPrefixLength) {
    const std::size_t length = decode(data);
    if (tooLong(length)) {
      return;
    }
    if (data.size() - kPrefixLength < length) {
      break;
    }
    const std::string_view string = data.substr(kPrefixLength, length);
    data.remove_prefix(kPrefixLength + length);
    stringReceived(string);
    if (transport() == nullptr || broken_) {
      return;
    }
  }
  // Keep the incomplete tail. It is at most a prefix and maxLength bytes, and it is held only
  // once it really arrived: a big prefix alone reserves nothing.
  buffer_.append(data);
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
