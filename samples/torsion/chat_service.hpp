#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/application/multi_service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/protocols/idle_timeout.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/factory.hpp>

#include "service_command.hpp"

namespace torsion::cli {

/// How the chat behaves.
struct ChatOptions {
  /// A user silent this long is disconnected; nullopt: never.
  std::optional<Seconds> idleTimeout = Seconds{600};
  /// The longest line accepted; a longer one drops the connection (LineReceiver's rule).
  std::size_t maxLineLength = 1024;
};

class ChatFactory;

/// One chat user's connection: a line protocol accepting LF or CRLF line ends (so plain `nc`
/// works). Lines starting with '/' are commands (/nick NAME, /who, /quit, /help); any other
/// non-empty line goes to every other user as "<nick> text". Every user starts as "guestN";
/// joins, leaves and renames are announced to the others as lines starting with "* ".
///
/// Ownership: the connection owns it; it refers to its ChatFactory (which every connection
///   shares) and to the clock, which must outlive it.
/// Thread: the reactor's thread only.
class ChatProtocol final : public LineReceiver {
 public:
  ChatProtocol(ChatFactory& room, IReactorTime& clock, const ChatOptions& options);

  ChatProtocol(const ChatProtocol&) = delete;
  ChatProtocol& operator=(const ChatProtocol&) = delete;
  ChatProtocol(ChatProtocol&&) = delete;
  ChatProtocol& operator=(ChatProtocol&&) = delete;
  ~ChatProtocol() override = default;

  /// The user's current nick ("" before connectionMade).
  [[nodiscard]] const std::string& nick() const noexcept { return nick_; }

  void connectionMade() override;
  void lineReceived(std::string_view line) override;
  void connectionLost(const Failure& reason) override;

 private:
  friend class ChatFactory;

  void command(std::string_view name, std::string_view argument);
  void changeNick(std::string_view wanted);
  void idleTimedOut();

  ChatFactory& room_;
  std::optional<Seconds> idlePeriod_;
  IdleTimeout idle_;
  std::string nick_;
  bool joined_ = false;
};

/// The chat room: builds a ChatProtocol per connection and knows who is online.
///
/// Ownership: shared (std::shared_ptr) by the ports and connections, as every Factory; it
///   refers to the connected ChatProtocols without owning them (each leaves in connectionLost).
/// Thread: the reactor's thread only.
class ChatFactory final : public Factory {
 public:
  ChatFactory(IReactorTime& clock, ChatOptions options);

  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// The nicks online, sorted.
  [[nodiscard]] std::vector<std::string> nicks() const;

  /// Sends `line` to every user except `except` (null: everyone).
  void broadcast(std::string_view line, const ChatProtocol* except = nullptr);

  /// True if `nick` is a valid nick: 1 to 16 of A-Z a-z 0-9 '_' '-'.
  [[nodiscard]] static bool validNick(std::string_view nick) noexcept;

 private:
  friend class ChatProtocol;

  void join(ChatProtocol& user);
  void leave(ChatProtocol& user);
  [[nodiscard]] bool taken(std::string_view nick) const noexcept;

  IReactorTime& clock_;
  ChatOptions options_;
  std::vector<ChatProtocol*> users_;
  unsigned nextGuest_ = 1;
};

/// `torsion chat`: the chat room on each endpoint, as a service tree an embedding program can
/// add to its own. Stopping it tells every user the server is shutting down, then closes the
/// ports and the connections (bounded by `shutdownTimeout`).
///
/// Ownership: the reactors and clock must outlive it.
/// Thread: the reactor's thread only.
class ChatService final : public MultiService {
 public:
  /// @throws EndpointParseError for a bad endpoint; ValueError if `listen` is empty.
  ChatService(EndpointReactors reactors, IReactorTime& clock,
              const std::vector<std::string>& listen, ChatOptions options, Seconds shutdownTimeout);

  /// Announces the shutdown, then stops as a MultiService.
  Deferred<void> stopService() override;

  /// The room (test-only: to look at who is online).
  [[nodiscard]] ChatFactory& room() const noexcept { return *room_; }

 private:
  std::shared_ptr<ChatFactory> room_;
};

/// The `chat` subcommand: default endpoint `tcp:8023:interface=127.0.0.1`, option
/// `--idle-timeout SECONDS` (default 600; 0 disables it).
[[nodiscard]] ServiceCommand chatCommand();

}  // namespace torsion::cli
