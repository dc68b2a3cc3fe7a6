#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace torsion::fuzz {

/// Reads a fuzz input front to back: the first bytes configure the run (which delimiter, which
/// limit, where the chunks end), the rest is the byte stream fed to the parser. Reading past the
/// end yields zeros and empty views, so every input, even an empty one, is a valid run.
///
/// Ownership: views the caller's bytes, which must outlive it and every view it returns.
class FuzzInput {
 public:
  FuzzInput(const std::uint8_t* data, std::size_t size) noexcept
      : rest_(reinterpret_cast<const char*>(data), size) {}

  /// The next byte, or 0 when the input is used up.
  std::uint8_t takeByte() noexcept {
    if (rest_.empty()) {
      return 0;
    }
    const auto byte = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  /// The next `n` bytes, or fewer when the input runs out.
  std::string_view takeBytes(std::size_t n) noexcept {
    const std::string_view taken = rest_.substr(0, std::min(n, rest_.size()));
    rest_.remove_prefix(taken.size());
    return taken;
  }

  /// Everything not read yet.
  std::string_view takeRest() noexcept { return takeBytes(rest_.size()); }

 private:
  std::string_view rest_;
};

/// Cuts `stream` into the chunks a transport would deliver: each byte of `sizes` in turn (cycling)
/// is the length of the next chunk, 0 meaning an empty `dataReceived("")` call. No sizes, or only
/// zeros, give the whole stream as one chunk. The number of chunks is bounded by twice the
/// stream's length plus one, so a run stays linear in its input.
inline std::vector<std::string_view> cutIntoChunks(std::string_view stream,
                                                   std::string_view sizes) {
  const bool anyNonZero = std::any_of(sizes.begin(), sizes.end(), [](char c) { return c != 0; });
  if (!anyNonZero) {
    return {stream};
  }
  std::vector<std::string_view> chunks;
  const std::size_t most = 2 * stream.size() + 1;
  std::size_t next = 0;
  while (!stream.empty() && chunks.size() < most) {
    const auto size = static_cast<std::size_t>(static_cast<unsigned char>(sizes[next]));
    next = (next + 1) % sizes.size();
    chunks.push_back(stream.substr(0, size));
    stream.remove_prefix(chunks.back().size());
  }
  if (!stream.empty()) {
    chunks.push_back(stream);
  }
  return chunks;
}

}  // namespace torsion::fuzz
