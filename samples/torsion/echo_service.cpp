#include "echo_service.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <torsion/transports/factory.hpp>

namespace torsion::cli {

void Echo::dataReceived(std::string_view data) {
  transport()->write(data);
}

EchoService::EchoService(EndpointReactors reactors, IReactorTime& clock,
                         const std::vector<std::string>& listen, Seconds shutdownTimeout)
    : MultiService("echo") {
  listenOn(*this, reactors, clock, listen, Factory::forProtocol<Echo>(), shutdownTimeout);
}

ServiceCommand echoCommand() {
  return ServiceCommand{
      .name = "echo",
      .description = "Echo server: writes back every byte it receives",
      .defaultListen = {"tcp:8000:interface=127.0.0.1"},
      .options = {},
      .build = [](Reactor& reactor, const CommandArgs& args) -> std::unique_ptr<MultiService> {
        return std::make_unique<EchoService>(reactor, reactor, args.listen, args.shutdownTimeout);
      }};
}

}  // namespace torsion::cli
