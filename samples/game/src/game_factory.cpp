#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <torsion/game/game_factory.hpp>
#include <torsion/game/game_protocol.hpp>

namespace torsion::game {

GameFactory::GameFactory(Application& application, Framing framing, std::size_t maxLength)
    : application_(application),
      framing_(framing),
      maxLength_(maxLength),
      encoder_(makeParser(framing, maxLength)) {}

std::unique_ptr<Protocol> GameFactory::buildProtocol(const Address& /*addr*/) {
  return std::make_unique<GameProtocol>(*this, makeParser(framing_, maxLength_));
}

void GameFactory::deliver(const std::vector<Reply>& replies) {
  for (const Reply& reply : replies) {
    std::string bytes = encoder_->serialize(reply.message);
    for (ConnectionIndex index : reply.recipients) {
      auto it = connections_.find(index);
      if (it != connections_.end() && it->second->connected()) {
        it->second->transport()->write(bytes);
      }
    }
  }
}

ConnectionIndex GameFactory::join(GameProtocol& connection) {
  ConnectionIndex index = nextIndex_++;
  connections_.emplace(index, &connection);
  return index;
}

void GameFactory::leave(GameProtocol& connection) {
  connections_.erase(connection.index());
  application_.onDisconnect(connection.index());
}

}  // namespace torsion::game
