#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <vector>

#include <torsion/game/application.hpp>
#include <torsion/game/framing.hpp>
#include <torsion/game/iparser.hpp>
#include <torsion/game/reply.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::game {

class GameProtocol;

/// The game server: a Factory whose connections speak the configured framing, each given the
/// next index, and whose Replies it writes to the addressed connections (the article's
/// `SocketServer`, as a Twisted Factory/Protocol pair). Listen with it on any endpoint.
///
/// Example:
///     torsion::game::MemoryRepository state;
///     torsion::game::Application app(state);
///     auto server = std::make_shared<torsion::game::GameFactory>(app, Framing::kNulJson);
///     reactor.listenTCP(8024, server);
///
/// Ownership: shared by ports and connections, as every Factory; the Application must outlive
///   every connection it built (stop the ports and let the connections close first). It refers
///   to its connections without owning them: each leaves in connectionLost.
/// Thread: the reactor's thread only.
class GameFactory final : public Factory {
 public:
  /// @throws ValueError if `maxLength` is 0.
  GameFactory(Application& application, Framing framing,
              std::size_t maxLength = kDefaultMaxMessageLength);

  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// Writes each Reply to its recipients that are still connected, encoding it once.
  void deliver(const std::vector<Reply>& replies);

  /// The Application the commands go to.
  [[nodiscard]] Application& application() const noexcept { return application_; }

  /// The framing every connection speaks.
  [[nodiscard]] Framing framing() const noexcept { return framing_; }

  /// The connected clients' count.
  [[nodiscard]] std::size_t connectionCount() const noexcept { return connections_.size(); }

 private:
  friend class GameProtocol;

  /// Gives `connection` the next index and tells the Application.
  ConnectionIndex join(GameProtocol& connection);
  void leave(GameProtocol& connection);

  Application& application_;
  Framing framing_;
  std::size_t maxLength_;
  std::unique_ptr<IParser> encoder_;  // serialize() only: the format is the same for everyone
  std::map<ConnectionIndex, GameProtocol*> connections_;
  ConnectionIndex nextIndex_ = 1;
};

}  // namespace torsion::game
