#include "finger_service.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include <torsion/deferred/error.hpp>

namespace torsion::cli {

namespace {

std::string_view trim(std::string_view text) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

bool validUser(std::string_view user) noexcept {
  return !user.empty() && user.find_first_of(" \t@") == std::string_view::npos;
}

/// Adds one line of a users file to `users`; `lines` remembers where each user was defined, so
/// that a duplicate can name both lines.
void parseUserLine(std::string_view line, std::size_t number, std::string_view fileName,
                   FingerUsers& users, std::map<std::string, std::size_t, std::less<>>& lines) {
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    throw ValueError(fmt::format("{}:{}: expected 'user: text', got '{}'", fileName, number, line));
  }
  const std::string_view user = trim(line.substr(0, colon));
  if (!validUser(user)) {
    throw ValueError(
        fmt::format("{}:{}: bad user name '{}' (it must be non-empty, without spaces, tabs or '@')",
                    fileName, number, user));
  }
  if (auto it = lines.find(user); it != lines.end()) {
    throw ValueError(fmt::format("{}:{}: user '{}' is already listed on line {}", fileName, number,
                                 user, it->second));
  }
  lines.emplace(std::string(user), number);
  users.emplace(std::string(user), std::string(trim(line.substr(colon + 1))));
}

}  // namespace

// ---- the users file ----------------------------------------------------------------------------

FingerUsers parseFingerUsers(std::string_view text, std::string_view fileName) {
  FingerUsers users;
  std::map<std::string, std::size_t, std::less<>> lines;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    line = trim(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    parseUserLine(line, number, fileName, users, lines);
  }
  return users;
}

FingerUsers loadFingerUsers(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    throw ValueError(fmt::format("cannot read users file '{}': it is a directory", path.string()));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    // std::ifstream reports no reason; errno holds the one open(2) gave.
    throw ValueError(
        fmt::format("cannot read users file '{}': {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ValueError(fmt::format("cannot read users file '{}'", path.string()));
  }
  return parseFingerUsers(text.str(), path.string());
}

// ---- FingerProtocol ----------------------------------------------------------------------------

FingerProtocol::FingerProtocol(const FingerFactory& factory)
    : LineReceiver(kMaxQueryLength, "\n"), factory_(factory) {}

void FingerProtocol::lineReceived(std::string_view line) {
  // The delimiter is LF so that `nc` works; the RFC's CRLF leaves a CR to drop.
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  std::string_view query = trim(line);
  // RFC 1288's "/W" asks for a verbose answer; this server has only one kind of answer.
  if (query.starts_with("/W") && (query.size() == 2 || query[2] == ' ' || query[2] == '\t')) {
    query = trim(query.substr(2));
  }
  std::string answer;
  if (query.empty()) {
    for (const std::string& name : factory_.userNames()) {
      answer += name + "\r\n";
    }
  } else if (query.find('@') != std::string_view::npos) {
    answer = "Finger forwarding service denied\r\n";
  } else {
    answer = factory_.getUser(query) + "\r\n";
  }
  transport()->write(answer);
  // One query per connection: stopProducing delivers no further line and closes once the
  // answer is flushed.
  stopProducing();
}

// ---- FingerFactory -----------------------------------------------------------------------------

FingerFactory::FingerFactory(FingerUsers users) : users_(std::move(users)) {}

std::unique_ptr<Protocol> FingerFactory::buildProtocol(const Address& /*addr*/) {
  return std::make_unique<FingerProtocol>(*this);
}

std::string FingerFactory::getUser(std::string_view user) const {
  auto it = users_.find(user);
  return it == users_.end() ? std::string("No such user") : it->second;
}

std::vector<std::string> FingerFactory::userNames() const {
  std::vector<std::string> names;
  names.reserve(users_.size());
  for (const auto& entry : users_) {
    names.push_back(entry.first);
  }
  return names;
}

// ---- FingerService -----------------------------------------------------------------------------

FingerService::FingerService(EndpointReactors reactors, IReactorTime& clock,
                             const std::vector<std::string>& listen, FingerUsers users,
                             Seconds shutdownTimeout)
    : MultiService("finger"), factory_(std::make_shared<FingerFactory>(std::move(users))) {
  listenOn(*this, reactors, clock, listen, factory_, shutdownTimeout);
}

ServiceCommand fingerCommand() {
  return ServiceCommand{
      .name = "finger",
      .description = "Finger server (RFC 1288 queries) answering from a users file",
      .defaultListen = {"tcp:1079:interface=127.0.0.1"},
      .options = {CommandOption{.name = "--users",
                                .help = "Users file, one 'user: text' per line ('#' comments); "
                                        "read once at start (required)",
                                .defaultValue = ""}},
      .build = [](Reactor& reactor, const CommandArgs& args) -> std::unique_ptr<MultiService> {
        const std::string& path = args.options.at("--users");
        if (path.empty()) {
          throw ValueError("--users FILE is required (one 'user: text' per line)");
        }
        return std::make_unique<FingerService>(reactor, reactor, args.listen, loadFingerUsers(path),
                                               args.shutdownTimeout);
      }};
}

}  // namespace torsion::cli
