#pragma once

// What the `torsion` program knows about each service it can run, kept free of CLI11 so that
// only main.cpp pays for that header (STYLE.md P7). A new service plugs in as one more file
// defining a `ServiceCommand` plus one line in main.cpp's list.

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <torsion/application/multi_service.hpp>
#include <torsion/application/stream_server_endpoint_service.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/reactor.hpp>

namespace torsion::cli {

/// A service-specific option (`--idle-timeout SECONDS`), its value kept as text; the service's
/// `build` parses it and throws ValueError for a bad value.
struct CommandOption {
  std::string name;          ///< "--idle-timeout"
  std::string help;          ///< one line for --help
  std::string defaultValue;  ///< the value when the option is not given
};

/// What the command line chose for one run.
struct CommandArgs {
  std::vector<std::string> listen;             ///< endpoint descriptions, at least one
  std::map<std::string, std::string> options;  ///< every CommandOption's value, by name
  Seconds shutdownTimeout{5.0};                ///< how long connections get to finish at exit
};

/// One `torsion SERVICE` subcommand.
struct ServiceCommand {
  std::string name;         ///< "chat"
  std::string description;  ///< one line for --help
  std::vector<std::string> defaultListen;
  std::vector<CommandOption> options;
  /// Builds the service tree (not started).
  /// @throws ValueError (EndpointParseError included) for a bad endpoint or option value.
  std::function<std::unique_ptr<MultiService>(Reactor& reactor, const CommandArgs& args)> build;
};

/// Adds to `root` one StreamServerEndpointService per description in `listen`, each listening
/// with `factory` and draining its connections for up to `shutdownTimeout` when stopped.
/// @throws EndpointParseError naming a bad description; ValueError if `listen` is empty.
void listenOn(MultiService& root, EndpointReactors reactors, IReactorTime& clock,
              const std::vector<std::string>& listen, const std::shared_ptr<Factory>& factory,
              Seconds shutdownTimeout);

/// Parses a non-negative number of seconds given for `option`.
/// @throws ValueError naming the option and the text.
[[nodiscard]] Seconds parseSeconds(const std::string& option, const std::string& text);

}  // namespace torsion::cli
