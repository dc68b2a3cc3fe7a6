#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <malloc.h>

namespace torsion::test {

/// One way to cut a byte stream into dataReceived calls.
using Chunks = std::vector<std::string_view>;

/// Cuts `data` into pieces of `size` bytes (the last may be shorter).
inline Chunks splitEvery(std::string_view data, std::size_t size) {
  Chunks chunks;
  for (std::size_t pos = 0; pos < data.size(); pos += size) {
    chunks.push_back(data.substr(pos, size));
  }
  return chunks;
}

/// The cuttings a framing parser must not care about: the whole buffer, one byte at a time,
/// every fixed size from 2 to 9 (Twisted's `test_buffer` loop), and every two-way split.
inline std::vector<Chunks> allChunkings(std::string_view data) {
  std::vector<Chunks> all;
  all.push_back({data});
  for (std::size_t size = 1; size < 10; ++size) {
    all.push_back(splitEvery(data, size));
  }
  for (std::size_t cut = 1; cut < data.size(); ++cut) {
    all.push_back({data.substr(0, cut), data.substr(cut)});
  }
  return all;
}

/// Splits `data` at each leftmost, non-overlapping `delimiter`, as Python's bytes.split does;
/// the last element is the unterminated tail. The reference the line parsers must match.
inline std::vector<std::string> referenceSplit(std::string_view data, std::string_view delimiter) {
  std::vector<std::string> pieces;
  std::size_t start = 0;
  for (std::size_t pos = data.find(delimiter); pos != std::string_view::npos;
       pos = data.find(delimiter, start)) {
    pieces.emplace_back(data.substr(start, pos - start));
    start = pos + delimiter.size();
  }
  pieces.emplace_back(data.substr(start));
  return pieces;
}

/// `n` bytes drawn from `alphabet` (all 256 byte values when empty).
inline std::string randomBytes(std::mt19937& rng, std::size_t n, std::string_view alphabet = {}) {
  std::string bytes(n, '\0');
  if (alphabet.empty()) {
    std::uniform_int_distribution<int> byte(0, 255);
    std::generate(bytes.begin(), bytes.end(),
                  [&rng, &byte] { return static_cast<char>(byte(rng)); });
  } else {
    std::uniform_int_distribution<std::size_t> index(0, alphabet.size() - 1);
    std::generate(bytes.begin(), bytes.end(),
                  [&rng, &index, alphabet] { return alphabet[index(rng)]; });
  }
  return bytes;
}

/// Bytes currently allocated from the C heap (glibc's mallinfo2). Under AddressSanitizer,
/// which replaces the allocator, it does not move, and memory checks pass trivially there.
inline std::size_t heapInUse() {
  return mallinfo2().uordblks;
}

}  // namespace torsion::test
