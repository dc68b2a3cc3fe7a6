#include "portforward_service.hpp"

#include <memory>
#include <string>
#include <vector>

#include <torsion/deferred/error.hpp>

namespace torsion::cli {

namespace {

// Parsed before anything listens, so a bad --connect fails the start-up (exit status 2) rather
// than every connection later.
std::unique_ptr<IStreamClientEndpoint> backendEndpoint(EndpointReactors reactors,
                                                       const std::string& connect) {
  if (connect.empty()) {
    throw ValueError(
        "--connect is required: the endpoint to forward to, e.g. tcp:host=127.0.0.1:port=8080");
  }
  return clientFromString(reactors, connect);
}

}  // namespace

PortForwardService::PortForwardService(EndpointReactors reactors, IReactorTime& clock,
                                       const std::vector<std::string>& listen,
                                       const std::string& connect, Seconds shutdownTimeout)
    : MultiService("portforward"),
      factory_(std::make_shared<ProxyFactory>(backendEndpoint(reactors, connect))) {
  listenOn(*this, reactors, clock, listen, factory_, shutdownTimeout);
}

ServiceCommand portforwardCommand() {
  return ServiceCommand{
      .name = "portforward",
      .description = "Forwards each connection to another endpoint, with flow control both ways",
      .defaultListen = {"tcp:6666:interface=127.0.0.1"},
      .options = {CommandOption{.name = "--connect",
                                .help = "Endpoint to forward to (required), e.g. "
                                        "tcp:host=127.0.0.1:port=8080 or unix:/run/app.sock",
                                .defaultValue = ""}},
      .build = [](Reactor& reactor, const CommandArgs& args) -> std::unique_ptr<MultiService> {
        return std::make_unique<PortForwardService>(
            reactor, reactor, args.listen, args.options.at("--connect"), args.shutdownTimeout);
      }};
}

}  // namespace torsion::cli
