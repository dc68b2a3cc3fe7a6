#pragma once

#include <memory>
#include <string>
#include <vector>

#include <torsion/application/multi_service.hpp>
#include <torsion/protocols/portforward/proxy_factory.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/transports/endpoints.hpp>

#include "service_command.hpp"

namespace torsion::cli {

/// `torsion portforward`: forwards every connection accepted on each listening endpoint to the
/// `connect` endpoint (Twisted's `twist portforward`), as a service tree an embedding program can
/// add to its own (a MultiService with one StreamServerEndpointService per endpoint, all sharing
/// one ProxyFactory).
///
/// Flow control comes from ProxyFactory: a slow reader on either side pauses reading on the
/// other, so the process's memory stays bounded whatever the traffic. On stop, listening ends
/// at once; each forwarded connection is asked to close and is aborted if still open after
/// `shutdownTimeout`.
///
/// Ownership: the reactors and clock must outlive it.
/// Thread: the reactor's thread only.
class PortForwardService final : public MultiService {
 public:
  /// @throws EndpointParseError for a bad listening or connect endpoint; ValueError if `listen`
  ///   or `connect` is empty.
  PortForwardService(EndpointReactors reactors, IReactorTime& clock,
                     const std::vector<std::string>& listen, const std::string& connect,
                     Seconds shutdownTimeout);

  /// The factory every listening endpoint uses.
  [[nodiscard]] const std::shared_ptr<ProxyFactory>& factory() const noexcept { return factory_; }

 private:
  std::shared_ptr<ProxyFactory> factory_;
};

/// The `portforward` subcommand: `--connect ENDPOINT` (required; a client endpoint description
/// such as `tcp:host=127.0.0.1:port=8080` or `unix:/run/app.sock`); default listening endpoint
/// `tcp:6666:interface=127.0.0.1` (the port of Twisted's portforward plugin).
[[nodiscard]] ServiceCommand portforwardCommand();

}  // namespace torsion::cli
