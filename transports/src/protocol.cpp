#include <torsion/transports/protocol.hpp>

namespace torsion {

void Protocol::makeConnection(ITransport* transport) {
  transport_ = transport;
  connectionMade();
}

}  // namespace torsion
