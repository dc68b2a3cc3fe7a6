#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/game/game_factory.hpp>
#include <torsion/game/game_protocol.hpp>
#include <torsion/game/parse_event.hpp>

namespace torsion::game {

GameProtocol::GameProtocol(GameFactory& factory, std::unique_ptr<IParser> parser)
    : factory_(factory), parser_(std::move(parser)) {}

void GameProtocol::send(const Json& message) {
  if (connected()) {
    transport()->write(parser_->serialize(message));
  }
}

void GameProtocol::connectionMade() {
  index_ = factory_.join(*this);
  factory_.deliver(factory_.application().onConnect(index_));
}

void GameProtocol::dataReceived(std::string_view data) {
  if (closing_) {
    return;
  }
  for (ParseEvent& event : parser_->feed(data)) {
    if (event.command) {
      factory_.deliver(factory_.application().handleCommand(index_, *event.command));
    } else if (event.error) {
      send(event.error->toMessage());
    }
    if (event.streamBroken) {
      closing_ = true;
      transport()->loseConnection();  // after the error object is sent
      return;
    }
  }
}

void GameProtocol::connectionLost(const Failure& /*reason*/) {
  if (index_ != 0) {
    factory_.leave(*this);
  }
}

}  // namespace torsion::game
