#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/application/multi_service.hpp>
#include <torsion/protocols/line_receiver.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/factory.hpp>

#include "service_command.hpp"

namespace torsion::cli {

/// The users a finger server knows: user name -> the line answered for that user, sorted by
/// name. Lookups take a `std::string_view`.
using FingerUsers = std::map<std::string, std::string, std::less<>>;

/// Parses a users file's text. The format, one entry per line:
///
///     # comments and blank lines are ignored
///     alice: Happy and well
///     bob:   Out to lunch, back at 2
///
/// A line is `user: text`. The user is the part before the first ':', without the spaces and
/// tabs around it; it must be non-empty and hold no space, tab or '@' (a query with '@' asks to
/// forward, see FingerProtocol). The text is the rest, without the spaces and tabs around it (it
/// may be empty). Lines may end in LF or CRLF. Names are case-sensitive, as Unix user names are.
/// @throws ValueError naming `fileName`, the 1-based line number and what is wrong, for a line
///   without ':', a bad user name, or a user listed twice.
[[nodiscard]] FingerUsers parseFingerUsers(std::string_view text, std::string_view fileName);

/// Reads and parses the users file at `path` (see parseFingerUsers for the format).
/// @throws ValueError if the file cannot be read (naming it and why) or is malformed.
[[nodiscard]] FingerUsers loadFingerUsers(const std::filesystem::path& path);

class FingerFactory;

/// One finger connection (Twisted's finger tutorial `FingerProtocol`; RFC 1288, the query
/// subset): the client sends one query line, the server answers and closes.
///
/// - `user` -> the user's line from the users file, or "No such user";
/// - an empty line -> the user names, one per line (RFC 1288's "list of users");
/// - a leading `/W` (RFC 1288's "verbose" switch) is accepted and ignored;
/// - `user@host` -> "Finger forwarding service denied" (RFC 1288 lets a server refuse to
///   forward, and a server that forwards can be used to hide the real client).
///
/// Every answer line ends in CRLF, as the RFC says. The query may end in CRLF or LF (so `nc`
/// works). Only the first query of a connection is answered; a query longer than
/// kMaxQueryLength drops the connection unanswered.
///
/// Ownership: the connection owns it; it refers to its FingerFactory, which every connection
///   shares and which outlives it.
/// Thread: the reactor's thread only.
class FingerProtocol final : public LineReceiver {
 public:
  /// The longest query accepted, in bytes (RFC 1288 sets no limit; user names are short).
  static constexpr std::size_t kMaxQueryLength = 512;

  explicit FingerProtocol(const FingerFactory& factory);

  void lineReceived(std::string_view line) override;

 private:
  const FingerFactory& factory_;
};

/// Builds a FingerProtocol per connection and answers the lookups (Twisted's tutorial
/// `FingerFactory`).
///
/// Ownership: shared (std::shared_ptr) by the ports and connections, as every Factory. It owns
///   its copy of the users; nothing reloads them (edit the file, then restart).
/// Thread: the reactor's thread only.
class FingerFactory final : public Factory {
 public:
  explicit FingerFactory(FingerUsers users);

  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override;

  /// The line for `user`, or "No such user". Twisted's tutorial returns a Deferred here, to
  /// make room for a slow lookup later in the tutorial; this one is a map lookup, so it answers
  /// directly.
  [[nodiscard]] std::string getUser(std::string_view user) const;

  /// Every user name, sorted.
  [[nodiscard]] std::vector<std::string> userNames() const;

 private:
  FingerUsers users_;
};

/// `torsion finger`: the finger server on each endpoint, as a service tree an embedding program
/// can add to its own (a MultiService with one StreamServerEndpointService per endpoint). The
/// users are given once, at construction: the service never rereads the users file.
///
/// Ownership: the reactors and clock must outlive it.
/// Thread: the reactor's thread only.
class FingerService final : public MultiService {
 public:
  /// @throws EndpointParseError for a bad endpoint; ValueError if `listen` is empty.
  FingerService(EndpointReactors reactors, IReactorTime& clock,
                const std::vector<std::string>& listen, FingerUsers users, Seconds shutdownTimeout);

  /// The factory (test-only: to look at the users it serves).
  [[nodiscard]] const FingerFactory& factory() const noexcept { return *factory_; }

 private:
  std::shared_ptr<FingerFactory> factory_;
};

/// The `finger` subcommand: default endpoint `tcp:1079:interface=127.0.0.1` (finger's port is
/// 79, which needs root), option `--users FILE` (required; read once at start, see
/// parseFingerUsers). A missing, unreadable or malformed users file is a usage error.
[[nodiscard]] ServiceCommand fingerCommand();

}  // namespace torsion::cli
