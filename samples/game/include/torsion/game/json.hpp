#pragma once

// The JSON value every layer of the game passes around: nlohmann-json from Debian
// (nlohmann-json3-dev), rather than a parser of our own.

#include <nlohmann/json.hpp>

namespace torsion::game {

/// A JSON value: commands, replies and the game state are all made of these.
using Json = nlohmann::json;

}  // namespace torsion::game
