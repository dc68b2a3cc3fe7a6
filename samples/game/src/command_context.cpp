#include <algorithm>
#include <span>
#include <utility>
#include <vector>

#include <torsion/game/command_context.hpp>

namespace torsion::game {

Reply CommandContext::toSender(Json message) const {
  return Reply{{sender}, std::move(message)};
}

Reply CommandContext::toAll(Json message) const {
  return Reply{{connections.begin(), connections.end()}, std::move(message)};
}

Reply CommandContext::toListed(std::span<const ConnectionIndex> listed, Json message) const {
  Reply reply{{}, std::move(message)};
  for (ConnectionIndex index : listed) {
    bool connected = std::binary_search(connections.begin(), connections.end(), index);
    bool seen = std::find(reply.recipients.begin(), reply.recipients.end(), index) !=
                reply.recipients.end();
    if (connected && !seen) {
      reply.recipients.push_back(index);
    }
  }
  return reply;
}

}  // namespace torsion::game
