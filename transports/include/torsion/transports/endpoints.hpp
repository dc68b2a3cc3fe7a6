#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/transports/address.hpp>
#include <torsion/transports/ireactor_tcp.hpp>
#include <torsion/transports/ireactor_unix.hpp>
#include <torsion/transports/istream_client_endpoint.hpp>
#include <torsion/transports/istream_server_endpoint.hpp>

namespace torsion {

/// The reactor interfaces an endpoint may need, gathered so that `serverFromString` takes one
/// argument and works with any reactor that implements them: `torsion::Reactor`, or a
/// MemoryReactor in tests. It converts implicitly from such a reactor.
///
/// Ownership: non-owning pointers; the reactor must outlive every endpoint made from it.
struct EndpointReactors {
  IReactorTCP* tcp = nullptr;
  IReactorUNIX* unixSockets = nullptr;

  EndpointReactors(IReactorTCP* tcpReactor, IReactorUNIX* unixReactor)
      : tcp(tcpReactor), unixSockets(unixReactor) {}

  template <class R>

  requires(std::derived_from<R, IReactorTCP>&& std::derived_from<R, IReactorUNIX>)
      EndpointReactors(R& reactor)  // NOLINT(google-explicit-constructor): a reactor is the bundle
      : tcp(&reactor), unixSockets(&reactor) {}
};

/// An endpoint description split into parts (Twisted's `_parse`): the type (first positional
/// part), the other positional parts, and `key=value` parts, all unescaped.
///
/// Syntax: parts are separated by ':'; a part containing '=' is `key=value` (split at the first
/// '='); a backslash makes the next character literal, so `\:` and `\=` stand for ':' and '='
/// and `\\` for a backslash.
struct EndpointDescription {
  std::string text;  ///< the whole description, for error messages
  std::string type;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> kwargs;

  /// Parses `description`.
  /// @throws EndpointParseError for an empty description or a trailing backslash.
  [[nodiscard]] static EndpointDescription parse(std::string_view description);

  /// The value of `key`, if given.
  [[nodiscard]] std::optional<std::string> get(std::string_view key) const;
};

/// Escapes ':', '=' and '\' in `text` so it survives as one part of a description
/// (Twisted's `quoteStringArgument`).
[[nodiscard]] std::string quoteEndpointArgument(std::string_view text);

/// TCP over IPv4 or IPv6: listens on `port` at `interface` (Twisted's `TCP4ServerEndpoint`).
class TCPServerEndpoint final : public IStreamServerEndpoint {
 public:
  TCPServerEndpoint(IReactorTCP& reactor, std::uint16_t port, int backlog = 50,
                    std::string interface = "")
      : reactor_(&reactor), port_(port), backlog_(backlog), interface_(std::move(interface)) {}

  IListeningPort& listen(std::shared_ptr<Factory> factory) override;

 private:
  IReactorTCP* reactor_;
  std::uint16_t port_;
  int backlog_;
  std::string interface_;
};

/// A UNIX stream socket server at `path` (Twisted's `UNIXServerEndpoint`).
class UNIXServerEndpoint final : public IStreamServerEndpoint {
 public:
  UNIXServerEndpoint(IReactorUNIX& reactor, std::string path, int backlog = 50,
                     unsigned mode = 0666)
      : reactor_(&reactor), path_(std::move(path)), backlog_(backlog), mode_(mode) {}

  IListeningPort& listen(std::shared_ptr<Factory> factory) override;

 private:
  IReactorUNIX* reactor_;
  std::string path_;
  int backlog_;
  unsigned mode_;
};

/// A TCP client to `host:port`; names resolve off the loop (Twisted's `TCP4ClientEndpoint`).
class TCPClientEndpoint final : public IStreamClientEndpoint {
 public:
  TCPClientEndpoint(IReactorTCP& reactor, std::string host, std::uint16_t port,
                    Seconds timeout = std::chrono::seconds{30},
                    std::optional<Address> bindAddress = std::nullopt)
      : reactor_(&reactor),
        host_(std::move(host)),
        port_(port),
        timeout_(timeout),
        bindAddress_(std::move(bindAddress)) {}

  IConnector& connect(std::shared_ptr<Factory> factory, ConnectedCallback onConnected,
                      FailedCallback onFailed) override;

 private:
  IReactorTCP* reactor_;
  std::string host_;
  std::uint16_t port_;
  Seconds timeout_;
  std::optional<Address> bindAddress_;
};

/// A UNIX stream socket client to `path` (Twisted's `UNIXClientEndpoint`).
class UNIXClientEndpoint final : public IStreamClientEndpoint {
 public:
  UNIXClientEndpoint(IReactorUNIX& reactor, std::string path,
                     Seconds timeout = std::chrono::seconds{30})
      : reactor_(&reactor), path_(std::move(path)), timeout_(timeout) {}

  IConnector& connect(std::shared_ptr<Factory> factory, ConnectedCallback onConnected,
                      FailedCallback onFailed) override;

 private:
  IReactorUNIX* reactor_;
  std::string path_;
  Seconds timeout_;
};

/// Makes a server endpoint from a parsed description; registered per type name.
using ServerEndpointParser = UniqueFunction<std::unique_ptr<IStreamServerEndpoint>(
    EndpointReactors reactors, const EndpointDescription& description)>;

/// Makes a client endpoint from a parsed description; registered per type name.
using ClientEndpointParser = UniqueFunction<std::unique_ptr<IStreamClientEndpoint>(
    EndpointReactors reactors, const EndpointDescription& description)>;

/// Builds a server endpoint from a description (Twisted's `serverFromString`):
///
/// - `tcp:8080:interface=127.0.0.1:backlog=50` (also `tcp:port=8080`); all IPv4 addresses when
///   no interface is given;
/// - `tcp6:8080:interface=\:\:1` (IPv6; default interface `::`);
/// - `unix:/run/app.sock:mode=660:backlog=50` (also `unix:address=...` or `unix:path=...`;
///   mode is octal; a leading '@' names an abstract-namespace socket; `lockfile=` is accepted
///   and ignored: stale sockets are detected by probing).
///
/// Example:
///     auto endpoint = torsion::serverFromString(reactor, "tcp:8000:interface=127.0.0.1");
///     endpoint->listen(factory);
///
/// @throws EndpointParseError naming the bad part: unknown type, missing or bad port, unknown
///   parameter, bad number.
[[nodiscard]] std::unique_ptr<IStreamServerEndpoint> serverFromString(EndpointReactors reactors,
                                                                      std::string_view description);

/// Builds a client endpoint from a description (Twisted's `clientFromString`):
///
/// - `tcp:host=localhost:port=8080:timeout=5:bindAddress=127.0.0.1` (also `tcp:localhost:8080`);
/// - `tcp6:host=\:\:1:port=8080`;
/// - `unix:path=/run/app.sock:timeout=5` (also `unix:/run/app.sock`; '@' for abstract names).
///
/// @throws EndpointParseError naming the bad part.
[[nodiscard]] std::unique_ptr<IStreamClientEndpoint> clientFromString(EndpointReactors reactors,
                                                                      std::string_view description);

/// Adds (or replaces) the server endpoint type `type` (Twisted's plugin mechanism).
/// Thread: safe from any thread; usually called at start-up.
void registerServerEndpointType(std::string type, ServerEndpointParser parser);

/// Adds (or replaces) the client endpoint type `type`.
/// Thread: safe from any thread.
void registerClientEndpointType(std::string type, ClientEndpointParser parser);

}  // namespace torsion
