#include "framed_stream.hpp"

#include <algorithm>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace interop {

namespace {

constexpr std::size_t kSmallMax = 40;
constexpr std::size_t kOccasionalMax = 300;
constexpr std::size_t kBigCut = 65537;  // Odd, so big bodies are never cut on a page boundary.

std::string header(Framing framing, std::size_t length) {
  std::size_t prefixBytes = 0;
  switch (framing) {
    case Framing::kLine:
      return {};
    case Framing::kNetstring:
      return std::to_string(length) + ":";
    case Framing::kInt8:
      prefixBytes = 1;
      break;
    case Framing::kInt16:
      prefixBytes = 2;
      break;
    case Framing::kInt32:
      prefixBytes = 4;
      break;
  }
  std::string prefix(prefixBytes, '\0');
  for (std::size_t i = prefixBytes; i-- > 0;) {
    prefix[i] = static_cast<char>(length & 0xffU);
    length >>= 8U;
  }
  return prefix;
}

std::string trailer(Framing framing) {
  switch (framing) {
    case Framing::kLine:
      return "\r\n";
    case Framing::kNetstring:
      return ",";
    default:
      return {};
  }
}

}  // namespace

Framing parseFraming(std::string_view name) {
  if (name == "line") {
    return Framing::kLine;
  }
  if (name == "netstring") {
    return Framing::kNetstring;
  }
  if (name == "int8") {
    return Framing::kInt8;
  }
  if (name == "int16") {
    return Framing::kInt16;
  }
  if (name == "int32") {
    return Framing::kInt32;
  }
  throw std::invalid_argument("unknown framing '" + std::string(name) + "'");
}

std::size_t largestMessage(Framing framing, std::size_t wanted) noexcept {
  switch (framing) {
    case Framing::kInt8:
      return std::min<std::size_t>(wanted, 0xff);
    case Framing::kInt16:
      return std::min<std::size_t>(wanted, 0xffff);
    default:
      return wanted;
  }
}

std::vector<std::string> makeMessages(Framing framing, std::size_t count, std::size_t big,
                                      std::uint32_t seed) {
  std::mt19937 rng{seed};
  std::uniform_int_distribution<int> byte{0, 0xff};
  auto randomMessage = [&rng, &byte, framing](std::size_t size) {
    std::string message(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
      message[i] = static_cast<char>(byte(rng));
      // A line cannot contain its delimiter; a lone '\r' or '\n' is fine and worth sending.
      if (framing == Framing::kLine && i > 0 && message[i - 1] == '\r' && message[i] == '\n') {
        message[i] = 'n';
      }
    }
    return message;
  };
  std::vector<std::string> messages;
  messages.reserve(count + 1);
  for (std::size_t i = 0; i < count; ++i) {
    if (i == count / 2) {
      messages.push_back(randomMessage(largestMessage(framing, big)));
    }
    const std::size_t most = largestMessage(framing, i % 97 == 96 ? kOccasionalMax : kSmallMax);
    std::uniform_int_distribution<std::size_t> size{0, most};
    messages.push_back(randomMessage(size(rng)));
  }
  return messages;
}

std::string_view FramedStream::piece(std::size_t i) const {
  const std::size_t begin = i == 0 ? 0 : pieceEnds[i - 1];
  return std::string_view{bytes}.substr(begin, pieceEnds[i] - begin);
}

FramedStream frameAwkwardly(Framing framing, const std::vector<std::string>& messages) {
  FramedStream stream;
  std::vector<std::size_t> cuts;
  std::vector<std::size_t> frameEnds;
  frameEnds.reserve(messages.size());
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const std::size_t start = stream.bytes.size();
    stream.bytes.append(header(framing, messages[i].size()));
    const std::size_t bodyStart = stream.bytes.size();
    stream.bytes.append(messages[i]);
    const std::size_t bodyEnd = stream.bytes.size();
    stream.bytes.append(trailer(framing));
    const std::size_t end = stream.bytes.size();
    frameEnds.push_back(end);

    const std::size_t middle = bodyStart + (bodyEnd - bodyStart) / 2;
    if (i % 4 == 0) {
      // Inside the header when it has two bytes or more, else right after it.
      cuts.push_back(bodyStart - start >= 2 ? start + (bodyStart - start) / 2 : bodyStart);
      // Inside the trailer ("\r|\n"), before a one-byte trailer (","), else mid-body.
      cuts.push_back(end - bodyEnd >= 2 ? bodyEnd + 1 : (end - bodyEnd == 1 ? bodyEnd : middle));
    } else if (i % 4 == 1) {
      cuts.push_back(middle);
    }
    for (std::size_t at = bodyStart + kBigCut; at < bodyEnd; at += kBigCut) {
      cuts.push_back(at);
    }
  }
  for (std::size_t at = 1; at < FramedStream::kOneByteStretch; ++at) {
    cuts.push_back(at);
  }
  cuts.push_back(stream.bytes.size());
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  const auto size = stream.bytes.size();
  std::erase_if(cuts, [size](std::size_t at) { return at == 0 || at > size; });
  for (const std::size_t cut : cuts) {
    const auto done = std::upper_bound(frameEnds.begin(), frameEnds.end(), cut);
    stream.messagesDone.push_back(static_cast<std::size_t>(done - frameEnds.begin()));
  }
  stream.pieceEnds = std::move(cuts);
  return stream;
}

}  // namespace interop
