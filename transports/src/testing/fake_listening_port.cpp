#include <utility>

#include <torsion/testing/fake_listening_port.hpp>
#include <torsion/testing/memory_reactor.hpp>

namespace torsion::testing {

FakeListeningPort::FakeListeningPort(MemoryReactor& reactor, Address host,
                                     std::shared_ptr<Factory> factory)
    : reactor_(reactor), host_(std::move(host)), factory_(std::move(factory)) {
  // As the real port: the factory is started on the next turn, not inside listen.
  reactor_.callSoon([factory = factory_] { factory->doStart(); });
}

FakeListeningPort::~FakeListeningPort() = default;

void FakeListeningPort::stopListening(UniqueFunction<void()> onStopped) {
  ++stopCalls_;
  if (!listening_) {
    return;
  }
  listening_ = false;
  reactor_.callSoon([factory = factory_, onStopped = std::move(onStopped)]() mutable {
    factory->doStop();
    if (onStopped) {
      onStopped();
    }
  });
}

StringTransportWithDisconnection* FakeListeningPort::accept(Address peer) {
  std::unique_ptr<Protocol> protocol = factory_->buildProtocol(peer);
  if (!protocol) {
    return nullptr;
  }
  StringTransportOptions options;
  options.peer = std::move(peer);
  options.host = host_;
  auto transport = std::make_unique<StringTransportWithDisconnection>(options);
  StringTransportWithDisconnection* made = transport.get();
  Protocol& proto = *protocol;
  connections_.emplace_back(std::move(protocol), std::move(transport));
  made->connect(proto);
  return made;
}

std::vector<StringTransportWithDisconnection*> FakeListeningPort::accepted() const {
  std::vector<StringTransportWithDisconnection*> out;
  out.reserve(connections_.size());
  for (const auto& connection : connections_) {
    out.push_back(connection.second.get());
  }
  return out;
}

}  // namespace torsion::testing
