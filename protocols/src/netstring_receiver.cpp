#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <utility>

#include <fmt/format.h>

#include <torsion/deferred/logger.hpp>
#include <torsion/protocols/netstring_receiver.hpp>

namespace torsion {

namespace {

// Names a byte readably in an error message: 'x' for printable ASCII, 0x0a otherwise.
std::string describeByte(char byte) {
  const auto value = static_cast<unsigned char>(byte);
  if (value >= 0x20 && value < 0x7f) {
    return fmt::format("'{}'", byte);
  }
  return fmt::format("0x{:02x}", value);
}

}  // namespace

void NetstringReceiver::dataReceived(std::string_view data) {
  if (transport() != nullptr && transport()->disconnecting()) {
    return;  // No string will be delivered again: do not hold on to the bytes.
  }
  while (!data.empty() && !brokenPeer_) {
    bool goOn = true;
    switch (state_) {
      case State::kLength:
        goOn = parseLengthByte(data.front());
        data.remove_prefix(1);
        break;
      case State::kData:
        goOn = parseData(data);
        break;
      case State::kComma:
        goOn = parseComma(data);
        break;
    }
    if (!goOn) {
      return;
    }
  }
}

// Takes data bytes of the current string; false when parsing must stop.
bool NetstringReceiver::parseData(std::string_view& data) {
  if (data_.empty() && data.size() > length_) {
    // The whole string and its comma are here: deliver it in place, without a copy.
    if (data[length_] != ',') {
      fail(fmt::format("netstring: missing comma after {}-byte string, got {}", length_,
                       describeByte(data[length_])));
      return false;
    }
    const std::string_view string = data.substr(0, length_);
    data.remove_prefix(length_ + 1);
    state_ = State::kLength;
    length_ = 0;
    stringReceived(string);
    return mayGoOn();
  }
  const std::size_t take = std::min(length_ - data_.size(), data.size());
  data_.append(data.substr(0, take));
  data.remove_prefix(take);
  if (data_.size() == length_) {
    state_ = State::kComma;
  }
  return true;
}

// Takes the comma after a string that spanned chunks; false when parsing must stop.
bool NetstringReceiver::parseComma(std::string_view& data) {
  if (data.front() != ',') {
    fail(fmt::format("netstring: missing comma after {}-byte string, got {}", length_,
                     describeByte(data.front())));
    return false;
  }
  data.remove_prefix(1);
  state_ = State::kLength;
  length_ = 0;
  // Move the string out first, so the hook may do anything, even feed us more bytes.
  const std::string string = std::exchange(data_, {});
  stringReceived(string);
  return mayGoOn();
}

// Takes one byte of the length field; false after reporting a broken peer.
bool NetstringReceiver::parseLengthByte(char byte) {
  if (byte == ':') {
    if (digits_ == 0) {
      fail("netstring: missing length before ':'");
      return false;
    }
    state_ = State::kData;
    digits_ = 0;
    // Do not reserve length_ bytes up front: a peer could announce big strings and never send
    // them. The buffer grows only with bytes that really arrive.
    data_.clear();
    if (length_ == 0) {
      state_ = State::kComma;
    }
    return true;
  }
  if (byte < '0' || byte > '9') {
    fail(fmt::format("netstring: expected a length digit or ':', got {}", describeByte(byte)));
    return false;
  }
  if (digits_ > 0 && length_ == 0) {
    fail("netstring: length has a leading zero");
    return false;
  }
  const auto digit = static_cast<std::size_t>(byte - '0');
  // Checked before multiplying so that no length, however many digits, can overflow.
  if (digit > maxLength_ || length_ > (maxLength_ - digit) / 10) {
    const std::string digits =
        digits_ == 0 ? fmt::format("{}", digit) : fmt::format("{}{}", length_, digit);
    fail(fmt::format("netstring: length too long ({} > {})", digits, maxLength_));
    return false;
  }
  length_ = length_ * 10 + digit;
  ++digits_;
  return true;
}

// After a hook: false if connectionLost ran, or if the connection is ending (a torsion rule;
// Twisted's NetstringReceiver would parse the rest of the chunk).
bool NetstringReceiver::mayGoOn() const {
  return transport() != nullptr && !transport()->disconnecting();
}

void NetstringReceiver::fail(const std::string& message) {
  brokenPeer_ = true;
  data_ = {};  // Release what a broken peer made us hold.
  netstringError(NetstringParseError(message));
}

void NetstringReceiver::netstringError(const NetstringParseError& error) {
  const Logger log{"torsion.protocols"};
  log.warn("dropping a peer that broke the netstring rules: {}", error.what());
  if (transport() != nullptr) {
    transport()->loseConnection();
  }
}

void NetstringReceiver::sendString(std::string_view string) {
  if (transport() == nullptr) {
    return;
  }
  std::array<char, 24> length{};
  const auto result = std::to_chars(length.data(), length.data() + length.size(), string.size());
  const std::array<std::string_view, 4> parts{
      std::string_view(length.data(), static_cast<std::size_t>(result.ptr - length.data())), ":",
      string, ","};
  transport()->writeSequence(parts);
}

}  // namespace torsion
