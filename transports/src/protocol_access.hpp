#pragma once

#include <torsion/transports/datagram_protocol.hpp>
#include <torsion/transports/protocol.hpp>

namespace torsion::detail {

/// The transports' key to a protocol's transport pointer.
class ProtocolAccess {
 public:
  static void detach(Protocol& protocol) noexcept { protocol.transport_ = nullptr; }

  static void attach(DatagramProtocol& protocol, IMulticastTransport* transport) noexcept {
    protocol.transport_ = transport;
  }
};

}  // namespace torsion::detail
