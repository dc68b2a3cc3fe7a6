#pragma once

#include <cstdint>
#include <vector>

#include <torsion/game/json.hpp>

namespace torsion::game {

/// The number the server gives each connection: 1 for the first, never reused while it runs.
/// Controllers address connections by it, so they never see a transport.
using ConnectionIndex = std::uint64_t;

/// One message for some connections: what controllers and the Application return, and the
/// server writes (the article's `(indexes, command)` pairs).
struct Reply {
  /// Who gets `message`, in this order; the server skips an index no longer connected.
  std::vector<ConnectionIndex> recipients;
  /// A command (`{"code": "set", ...}`) or an error object (`{"error": ..., "detail": ...}`).
  Json message;
};

}  // namespace torsion::game
