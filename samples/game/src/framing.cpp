#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include <torsion/deferred/error.hpp>
#include <torsion/game/framing.hpp>
#include <torsion/game/int32_json_parser.hpp>
#include <torsion/game/netstring_json_parser.hpp>
#include <torsion/game/nul_json_parser.hpp>

namespace torsion::game {

Framing parseFraming(std::string_view name) {
  for (Framing framing : {Framing::kNulJson, Framing::kNetstring, Framing::kInt32}) {
    if (name == framingName(framing)) {
      return framing;
    }
  }
  throw ValueError("unknown framing '" + std::string(name) +
                   "' (expected nul-json, netstring or int32)");
}

std::string_view framingName(Framing framing) noexcept {
  switch (framing) {
    case Framing::kNulJson:
      return "nul-json";
    case Framing::kNetstring:
      return "netstring";
    case Framing::kInt32:
      return "int32";
  }
  return "nul-json";
}

std::unique_ptr<IParser> makeParser(Framing framing, std::size_t maxLength) {
  switch (framing) {
    case Framing::kNetstring:
      return std::make_unique<NetstringJsonParser>(maxLength);
    case Framing::kInt32:
      return std::make_unique<Int32JsonParser>(maxLength);
    case Framing::kNulJson:
      break;
  }
  return std::make_unique<NulJsonParser>(maxLength);
}

}  // namespace torsion::game
