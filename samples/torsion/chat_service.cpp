#include "chat_service.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>

namespace torsion::cli {

namespace {

constexpr std::string_view kHelp =
    "* Commands: /nick NAME (change your name), /who (who is online), /quit (leave), "
    "/help (this text). Any other line goes to everyone.";

bool sameNick(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace

// ---- ChatProtocol ------------------------------------------------------------------------------

ChatProtocol::ChatProtocol(ChatFactory& room, IReactorTime& clock, const ChatOptions& options)
    : LineReceiver(options.maxLineLength, "\n"),
      room_(room),
      idlePeriod_(options.idleTimeout),
      idle_(clock, *this, [this] { idleTimedOut(); }) {}

void ChatProtocol::connectionMade() {
  room_.join(*this);
  joined_ = true;
  sendLine(fmt::format("* Welcome to torsion chat, {}. Type /help for commands.", nick_));
  room_.broadcast(fmt::format("* {} has joined", nick_), this);
  if (idlePeriod_) {
    idle_.setTimeout(*idlePeriod_);
  }
}

void ChatProtocol::lineReceived(std::string_view line) {
  // The delimiter is LF; a CRLF line keeps its CR, which `nc` users on some systems send.
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  idle_.resetTimeout();
  if (trim(line).empty()) {
    return;
  }
  if (line.front() == '/') {
    std::string_view rest = line.substr(1);
    std::size_t space = rest.find(' ');
    std::string_view name = rest.substr(0, space);
    std::string_view argument = space == std::string_view::npos ? "" : trim(rest.substr(space));
    command(name, argument);
    return;
  }
  room_.broadcast(fmt::format("<{}> {}", nick_, line), this);
}

void ChatProtocol::command(std::string_view name, std::string_view argument) {
  if (name == "nick") {
    changeNick(argument);
  } else if (name == "who") {
    std::vector<std::string> online = room_.nicks();
    sendLine(fmt::format("* Online ({}): {}", online.size(), fmt::join(online, ", ")));
  } else if (name == "quit") {
    sendLine("* Bye!");
    stopProducing();  // loses the connection and delivers no more lines
  } else if (name == "help") {
    sendLine(kHelp);
  } else {
    sendLine(fmt::format("* Unknown command /{}. Type /help for commands.", name));
  }
}

void ChatProtocol::changeNick(std::string_view wanted) {
  if (!ChatFactory::validNick(wanted)) {
    sendLine("* Usage: /nick NAME, where NAME is 1 to 16 letters, digits, '_' or '-'");
    return;
  }
  if (wanted == nick_) {
    sendLine(fmt::format("* You are already {}", nick_));
    return;
  }
  if (!sameNick(wanted, nick_) && room_.taken(wanted)) {
    sendLine(fmt::format("* The nick {} is taken", wanted));
    return;
  }
  std::string old = std::exchange(nick_, std::string(wanted));
  sendLine(fmt::format("* You are now {}", nick_));
  room_.broadcast(fmt::format("* {} is now known as {}", old, nick_), this);
}

void ChatProtocol::idleTimedOut() {
  sendLine(fmt::format("* Disconnected after {:g} seconds of silence",
                       idlePeriod_.value_or(Seconds{0}).count()));
  stopProducing();
}

void ChatProtocol::connectionLost(const Failure& reason) {
  idle_.cancel();
  if (joined_) {
    joined_ = false;
    room_.leave(*this);
    room_.broadcast(fmt::format("* {} has left", nick_), this);
  }
  LineReceiver::connectionLost(reason);
}

// ---- ChatFactory -------------------------------------------------------------------------------

ChatFactory::ChatFactory(IReactorTime& clock, ChatOptions options)
    : clock_(clock), options_(options) {}

std::unique_ptr<Protocol> ChatFactory::buildProtocol(const Address& /*addr*/) {
  return std::make_unique<ChatProtocol>(*this, clock_, options_);
}

std::vector<std::string> ChatFactory::nicks() const {
  std::vector<std::string> out;
  out.reserve(users_.size());
  for (const ChatProtocol* user : users_) {
    out.push_back(user->nick());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void ChatFactory::broadcast(std::string_view line, const ChatProtocol* except) {
  // A copy: a write cannot close a connection synchronously, but stay safe if one ever does.
  std::vector<ChatProtocol*> users = users_;
  for (ChatProtocol* user : users) {
    if (user != except && user->connected()) {
      user->sendLine(line);
    }
  }
}

bool ChatFactory::validNick(std::string_view nick) noexcept {
  return !nick.empty() && nick.size() <= 16 && std::all_of(nick.begin(), nick.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

void ChatFactory::join(ChatProtocol& user) {
  std::string nick;
  do {
    nick = "guest" + std::to_string(nextGuest_++);
  } while (taken(nick));
  user.nick_ = std::move(nick);
  users_.push_back(&user);
}

void ChatFactory::leave(ChatProtocol& user) {
  users_.erase(std::remove(users_.begin(), users_.end(), &user), users_.end());
}

bool ChatFactory::taken(std::string_view nick) const noexcept {
  return std::any_of(users_.begin(), users_.end(),
                     [nick](const ChatProtocol* u) { return sameNick(u->nick(), nick); });
}

// ---- ChatService -------------------------------------------------------------------------------

ChatService::ChatService(EndpointReactors reactors, IReactorTime& clock,
                         const std::vector<std::string>& listen, ChatOptions options,
                         Seconds shutdownTimeout)
    : MultiService("chat"), room_(std::make_shared<ChatFactory>(clock, options)) {
  listenOn(*this, reactors, clock, listen, room_, shutdownTimeout);
}

Deferred<void> ChatService::stopService() {
  room_->broadcast("* The server is shutting down. Bye!");
  return MultiService::stopService();
}

ServiceCommand chatCommand() {
  return ServiceCommand{
      .name = "chat",
      .description = "Multi-user line chat (/nick, /who, /quit, /help); join with nc",
      .defaultListen = {"tcp:8023:interface=127.0.0.1"},
      .options = {CommandOption{.name = "--idle-timeout",
                                .help = "Disconnect users silent this many seconds (0: never)",
                                .defaultValue = "600"}},
      .build = [](Reactor& reactor, const CommandArgs& args) -> std::unique_ptr<MultiService> {
        ChatOptions options;
        Seconds idle = parseSeconds("--idle-timeout", args.options.at("--idle-timeout"));
        options.idleTimeout = idle.count() > 0 ? std::optional<Seconds>(idle) : std::nullopt;
        return std::make_unique<ChatService>(reactor, reactor, args.listen, options,
                                             args.shutdownTimeout);
      }};
}

}  // namespace torsion::cli
