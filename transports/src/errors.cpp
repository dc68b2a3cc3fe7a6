#include <torsion/transports/errors.hpp>

namespace torsion {

ConnectionDone::ConnectionDone() : ConnectionClosed("Connection was closed cleanly.") {}

ConnectionLost::ConnectionLost()
    : ConnectionClosed("Connection to the other side was lost in a non-clean fashion.") {}

ConnectionAborted::ConnectionAborted() : ConnectionLost("Connection was aborted locally.") {}

}  // namespace torsion
