#include <utility>

#include <torsion/protocols/limit_total_connections_factory.hpp>
#include <torsion/protocols/protocol_wrapper.hpp>

namespace torsion {

LimitTotalConnectionsFactory::LimitTotalConnectionsFactory(std::shared_ptr<Factory> wrappedFactory,
                                                           std::size_t connectionLimit,
                                                           std::shared_ptr<Factory> overflowFactory)
    : WrappingFactory(std::move(wrappedFactory)),
      limit_(connectionLimit),
      overflow_(std::move(overflowFactory)) {}

std::unique_ptr<Protocol> LimitTotalConnectionsFactory::buildProtocol(const Address& addr) {
  if (connectionCount() < limit_) {
    return WrappingFactory::buildProtocol(addr);
  }
  if (overflow_) {
    auto overflowing = overflow_->buildProtocol(addr);
    if (overflowing) {
      return wrapProtocol(std::move(overflowing));
    }
  }
  log_.info("connection limit ({}) reached: refusing the connection from {}", limit_,
            addr.toString());
  return nullptr;
}

}  // namespace torsion
