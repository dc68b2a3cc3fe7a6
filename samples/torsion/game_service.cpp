#include "game_service.hpp"

#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <torsion/deferred/error.hpp>

namespace torsion::cli {

namespace {

/// A positive whole number of bytes given for `option`.
std::size_t parseBytes(const std::string& option, const std::string& text) {
  std::size_t used = 0;
  unsigned long long value = 0;
  try {
    value = std::stoull(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || text.front() == '-' || value == 0) {
    throw ValueError(option + ": expected a number of bytes > 0, got '" + text + "'");
  }
  return static_cast<std::size_t>(value);
}

}  // namespace

GameService::GameService(EndpointReactors reactors, IReactorTime& clock,
                         const std::vector<std::string>& listen, const GameOptions& options,
                         Seconds shutdownTimeout)
    : MultiService("game") {
  if (options.stateFile) {
    // First child: restored before the ports listen, saved after they closed.
    auto file =
        std::make_unique<game::FileRepository>(clock, *options.stateFile, options.snapshotInterval);
    file->setName("state " + options.stateFile->string());
    repository_ = &addService(std::move(file));
  } else {
    memory_ = std::make_unique<game::MemoryRepository>();
    repository_ = memory_.get();
  }
  application_ = std::make_unique<game::Application>(*repository_);
  server_ = std::make_shared<game::GameFactory>(*application_, options.framing, options.maxLength);
  listenOn(*this, reactors, clock, listen, server_, shutdownTimeout);
}

GameService::~GameService() = default;

ServiceCommand gameCommand() {
  return ServiceCommand{
      .name = "game",
      .description = "Layered JSON game server (get/set/update of shared state); see docs/game.md",
      .defaultListen = {"tcp:8024:interface=127.0.0.1"},
      .options = {CommandOption{.name = "--framing",
                                .help = "Wire format: nul-json (JSON then a NUL byte), netstring "
                                        "or int32 (4-byte big-endian length)",
                                .defaultValue = "nul-json"},
                  CommandOption{.name = "--state-file",
                                .help = "Save the state to PATH and restore it at start "
                                        "(default: in memory only)",
                                .defaultValue = ""},
                  CommandOption{.name = "--snapshot-interval",
                                .help = "With --state-file: save a changed state every this many "
                                        "seconds (0: only at exit)",
                                .defaultValue = "30"},
                  CommandOption{.name = "--max-length",
                                .help = "Longest message accepted, in bytes; longer ones are "
                                        "refused and skipped",
                                .defaultValue = "65536"}},
      .build = [](Reactor& reactor, const CommandArgs& args) -> std::unique_ptr<MultiService> {
        GameOptions options;
        try {
          options.framing = game::parseFraming(args.options.at("--framing"));
        } catch (const ValueError& e) {
          throw ValueError(std::string("--framing: ") + e.what());
        }
        options.snapshotInterval =
            parseSeconds("--snapshot-interval", args.options.at("--snapshot-interval"));
        options.maxLength = parseBytes("--max-length", args.options.at("--max-length"));
        if (const std::string& file = args.options.at("--state-file"); !file.empty()) {
          options.stateFile = file;
        }
        return std::make_unique<GameService>(reactor, reactor, args.listen, options,
                                             args.shutdownTimeout);
      }};
}

}  // namespace torsion::cli
