#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <torsion/application/multi_service.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/protocol.hpp>

#include "service_command.hpp"

namespace torsion::cli {

/// Writes back every byte it receives (Twisted's `Echo` from echoserv.py).
class Echo final : public Protocol {
 public:
  void dataReceived(std::string_view data) override;
};

/// `torsion echo`: an Echo server on each endpoint, as a service tree an embedding program can
/// add to its own (a MultiService with one StreamServerEndpointService per endpoint).
///
/// Ownership: the reactors and clock must outlive it.
/// Thread: the reactor's thread only.
class EchoService final : public MultiService {
 public:
  /// @throws EndpointParseError for a bad endpoint; ValueError if `listen` is empty.
  EchoService(EndpointReactors reactors, IReactorTime& clock,
              const std::vector<std::string>& listen, Seconds shutdownTimeout);
};

/// The `echo` subcommand: default endpoint `tcp:8000:interface=127.0.0.1`.
[[nodiscard]] ServiceCommand echoCommand();

}  // namespace torsion::cli
