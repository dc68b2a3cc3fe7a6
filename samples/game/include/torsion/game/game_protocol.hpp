#pragma once

#include <memory>
#include <string_view>

#include <torsion/deferred/failure.hpp>
#include <torsion/game/iparser.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/reply.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::game {

class GameFactory;

/// One client's connection to the game server: feeds the bytes to its parser, hands each
/// command to the factory's Application, and sends refused input back as an error object
/// (the Server half of the article, per connection).
///
/// After a "bad framing" error the connection is closed, since the stream cannot be
/// resynchronised; every other bad input leaves it open.
///
/// Ownership: the connection owns it; it refers to its GameFactory, which the connection keeps
///   alive, and owns its parser.
/// Thread: the reactor's thread only.
class GameProtocol final : public Protocol {
 public:
  GameProtocol(GameFactory& factory, std::unique_ptr<IParser> parser);

  /// The index the factory gave this connection (0 before connectionMade).
  [[nodiscard]] ConnectionIndex index() const noexcept { return index_; }

  /// Writes `message` in this connection's format. Ignored when not connected.
  void send(const Json& message);

  void connectionMade() override;
  void dataReceived(std::string_view data) override;
  void connectionLost(const Failure& reason) override;

 private:
  GameFactory& factory_;
  std::unique_ptr<IParser> parser_;
  ConnectionIndex index_ = 0;
  bool closing_ = false;
};

}  // namespace torsion::game
