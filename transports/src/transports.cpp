#include "transports.hpp"

#include <utility>

namespace torsion::detail {

Transports::~Transports() {
  // Destroy connections, ports and connectors without calling hooks; each closes its socket
  // and leaves the reactor's descriptor set. Move the map out first so no destructor sees a
  // half-destroyed map.
  auto owned = std::move(owned_);
  owned.clear();
}

void Transports::destroy(Selectable* object) noexcept {
  auto it = owned_.find(object);
  if (it != owned_.end()) {
    // Unlink before destroying: the destructor must not find itself still registered.
    std::unique_ptr<Selectable> doomed = std::move(it->second);
    owned_.erase(it);
    doomed.reset();
  }
}

void Transports::destroyThenNotify(Selectable* object, UniqueFunction<void()> onStopped) {
  destroy(object);
  if (onStopped) {
    try {
      onStopped();
    } catch (...) {
      log_.failure("stopListening callback", std::current_exception());
    }
  }
}

void Transports::disconnectAll() {
  shuttingDown_ = true;
  std::vector<Selectable*> snapshot;
  snapshot.reserve(owned_.size());
  for (const auto& [ptr, owner] : owned_) {
    snapshot.push_back(ptr);
  }
  for (Selectable* object : snapshot) {
    // An earlier object's shutdown may have destroyed this one (a connection takes its
    // connector with it).
    if (owned_.contains(object)) {
      object->shutDown();
    }
  }
  shuttingDown_ = false;
}

std::uint64_t Transports::registerConnector(Connector* connector) {
  const std::uint64_t id = nextConnectorId_++;
  connectors_.emplace(id, connector);
  return id;
}

void Transports::unregisterConnector(std::uint64_t id) noexcept {
  connectors_.erase(id);
}

Connector* Transports::findConnector(std::uint64_t id) const noexcept {
  auto it = connectors_.find(id);
  return it == connectors_.end() ? nullptr : it->second;
}

}  // namespace torsion::detail
