#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include <torsion/game/iparser.hpp>

namespace torsion::game {

/// The wire formats the game server speaks; all carry one JSON object per message.
enum class Framing {
  kNulJson,    ///< "nul-json": each message followed by a NUL byte, as in the article
  kNetstring,  ///< "netstring": `<length>:<json>,`
  kInt32,      ///< "int32": a 4-byte big-endian length, then the JSON
};

/// The longest message the parsers accept by default, in bytes.
inline constexpr std::size_t kDefaultMaxMessageLength = 65536;

/// The framing named `name` ("nul-json", "netstring" or "int32").
/// @throws ValueError naming `name` and the choices.
[[nodiscard]] Framing parseFraming(std::string_view name);

/// The name parseFraming accepts for `framing`.
[[nodiscard]] std::string_view framingName(Framing framing) noexcept;

/// A new parser for one connection, for the configured framing.
/// @throws ValueError if `maxLength` is 0.
[[nodiscard]] std::unique_ptr<IParser> makeParser(Framing framing,
                                                  std::size_t maxLength = kDefaultMaxMessageLength);

}  // namespace torsion::game
