// torsion: runs a ready-made torsion service, the way Twisted's `twist` does.
//
//   torsion chat                       # multi-user chat on 127.0.0.1:8023
//   torsion echo --listen tcp:9000     # echo server on port 9000, all interfaces
//   torsion SERVICE --help             # every option of a service
//
// Each service is a library class that builds a Service tree (see service_command.hpp); this
// file only turns the command line into a ServiceCommand run under torsion::react. Exit
// statuses: 0 after a clean stop (SIGINT/SIGTERM), 1 when a port cannot be opened or the
// service fails, 2 for a bad command line or endpoint.
//
// In two more terminals: nc 127.0.0.1 8023

#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>

#include <torsion/application/multi_service.hpp>
#include <torsion/application/react.hpp>
#include <torsion/application/stream_server_endpoint_service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/error.hpp>
#include <torsion/deferred/json_log_observer.hpp>
#include <torsion/deferred/log_event.hpp>
#include <torsion/deferred/log_publisher.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/reactor/ireactor_core.hpp>
#include <torsion/reactor/reactor_core.hpp>
#include <torsion/transports/errors.hpp>
#include <torsion/transports/reactor.hpp>

#include "chat_service.hpp"
#include "echo_service.hpp"
#include "finger_service.hpp"
#include "game_service.hpp"
#include "portforward_service.hpp"
#include "service_command.hpp"

namespace {

using torsion::cli::CommandArgs;
using torsion::cli::ServiceCommand;

/// The exit status for a bad command line or endpoint (as CLI tools use 2 for usage errors).
constexpr int kUsageError = 2;

/// What the common options of every subcommand hold.
struct CommonOptions {
  std::vector<std::string> listen;
  std::string reactor;
  std::string logLevel = "info";
  std::string logFormat = "text";
  double shutdownTimeout = 5.0;
  std::map<std::string, std::string> extra;
};

/// Logs where each port listens, with the port the kernel chose for port 0.
void logListening(const torsion::MultiService& root, const torsion::Logger& log) {
  for (torsion::Service* child : root.services()) {
    if (auto* server = dynamic_cast<torsion::StreamServerEndpointService*>(child);
        server != nullptr && server->port() != nullptr) {
      log.emit(
          torsion::LogLevel::kInfo,
          "torsion " + root.name() + " listening on " + server->port()->getHost().toString(),
          {{"service", root.name()}, {"port", std::to_string(server->port()->getHost().port())}});
    }
  }
}

/// Builds and starts the service, and ties its stop to the reactor's shutdown.
int run(const ServiceCommand& command, CommandArgs args, torsion::ReactorOptions reactorOptions) {
  std::unique_ptr<torsion::MultiService> service;
  torsion::Logger log("torsion.cli");
  int status = torsion::react(
      [&](torsion::Reactor& reactor) -> torsion::Deferred<int> {
        try {
          service = command.build(reactor, args);
        } catch (const torsion::ValueError& e) {
          std::cerr << "torsion " << command.name << ": " << e.what() << '\n';
          return torsion::succeed(kUsageError);
        }
        // Registered before starting, so that whatever started is stopped gracefully (ports
        // closed, connections drained) before the reactor closes the rest.
        reactor.addSystemEventTrigger(
            torsion::EventPhase::kBefore, torsion::SystemEvent::kShutdown,
            [&service]() -> torsion::Deferred<void> { return service->stopService(); });
        try {
          service->privilegedStartService();
          service->startService();
        } catch (const torsion::CannotListenError& e) {
          std::cerr << "torsion " << command.name << ": " << e.what() << '\n';
          return torsion::succeed(torsion::ReactStatus::kFailure);
        }
        logListening(*service, log);
        return torsion::Deferred<int>();  // runs until SIGINT/SIGTERM
      },
      reactorOptions);
  // The service stopped during the reactor's shutdown; destroy it before anything else goes.
  service.reset();
  return status;
}

/// Adds `command` as a subcommand whose options land in `o`.
void addCommand(CLI::App& app, const ServiceCommand& command, CommonOptions& o) {
  CLI::App* sub = app.add_subcommand(command.name, command.description);
  std::string defaults;
  for (const std::string& endpoint : command.defaultListen) {
    defaults += (defaults.empty() ? "" : " ") + endpoint;
  }
  sub->add_option("--listen", o.listen,
                  "Endpoint to listen on, repeatable (tcp:PORT:interface=ADDR, tcp6:..., "
                  "unix:PATH); default " +
                      defaults);
  sub->add_option("--reactor", o.reactor, "Reactor backend (default: $TORSION_REACTOR or epoll)")
      ->check(CLI::IsMember({"epoll", "poll", "uv"}));
  sub->add_option("--log-level", o.logLevel, "Least severe level logged")
      ->check(CLI::IsMember({"debug", "info", "warn", "error"}))
      ->capture_default_str();
  sub->add_option("--log-format", o.logFormat,
                  "text: one line per event; json: one JSON object per line, with its fields")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->add_option("--shutdown-timeout", o.shutdownTimeout,
                  "Seconds connections get to finish when stopping")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  for (const torsion::cli::CommandOption& option : command.options) {
    o.extra[option.name] = option.defaultValue;
    sub->add_option(option.name, o.extra[option.name], option.help)->capture_default_str();
  }
}

/// CLI11 would report an unknown service as "A subcommand is required"; name it instead.
bool knownService(const std::string& wanted, const std::vector<ServiceCommand>& commands) {
  std::string known;
  bool found = false;
  for (const ServiceCommand& command : commands) {
    found = found || command.name == wanted;
    known += (known.empty() ? "" : ", ") + command.name;
  }
  if (!found) {
    std::cerr << "torsion: unknown service '" << wanted << "' (known: " << known << ")\n";
  }
  return found;
}

/// Sets up logging and the reactor as `o` says, then runs `command`.
int runCommand(const ServiceCommand& command, const CommonOptions& o) {
  torsion::LogPublisher& publisher = torsion::globalLogPublisher();
  publisher.setLevel(torsion::parseLogLevel(o.logLevel));
  torsion::JsonLogObserver json(std::cerr);
  std::optional<torsion::ScopedLogObserver> jsonScope;
  if (o.logFormat == "json") {
    publisher.removeDefaultObserver();
    jsonScope.emplace(publisher, json);
  }
  torsion::ReactorOptions reactorOptions;
  if (!o.reactor.empty()) {
    reactorOptions.backend = torsion::parseReactorBackend(o.reactor);
  }
  CommandArgs args;
  args.listen = o.listen.empty() ? command.defaultListen : o.listen;
  args.options = o.extra;
  args.shutdownTimeout = torsion::Seconds{o.shutdownTimeout};
  try {
    return run(command, std::move(args), reactorOptions);
  } catch (const torsion::ValueError& e) {  // a bad TORSION_REACTOR
    std::cerr << "torsion: " << e.what() << '\n';
    return kUsageError;
  }
}

int runMain(int argc, char** argv) {
  std::vector<ServiceCommand> commands;
  commands.push_back(torsion::cli::echoCommand());
  commands.push_back(torsion::cli::chatCommand());
  commands.push_back(torsion::cli::fingerCommand());
  commands.push_back(torsion::cli::gameCommand());
  commands.push_back(torsion::cli::portforwardCommand());

  CLI::App app{"Runs a ready-made torsion service: torsion SERVICE [options]", "torsion"};
  app.require_subcommand(1);
  std::vector<CommonOptions> chosen(commands.size());  // sized once: options point into it
  for (std::size_t i = 0; i < commands.size(); ++i) {
    addCommand(app, commands[i], chosen[i]);
  }
  std::span<char*> arguments(argv, static_cast<std::size_t>(argc));
  if (arguments.size() > 1 && arguments[1][0] != '-' && !knownService(arguments[1], commands)) {
    return kUsageError;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "torsion: " << e.what() << " (see torsion --help)\n";
    return kUsageError;
  }
  for (std::size_t i = 0; i < commands.size(); ++i) {
    if (app.got_subcommand(commands[i].name)) {
      return runCommand(commands[i], chosen[i]);
    }
  }
  return kUsageError;  // unreachable: require_subcommand(1)
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return runMain(argc, argv);
  } catch (const std::exception& e) {  // nothing else may escape main
    std::cerr << "torsion: " << e.what() << '\n';
    return torsion::ReactStatus::kFailure;
  }
}
