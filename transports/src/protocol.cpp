#include <torsion/transports/protocol.hpp>

namespace torsion {

void Protocol::makeConnection(ITransport* transport) {
  transport_ = transport;
  connectionMade();
}

void Protocol::endConnection(const Failure& reason) {
  try {
    connectionLost(reason);
  } catch (...) {
    transport_ = nullptr;
    throw;
  }
  transport_ = nullptr;
}

}  // namespace torsion
