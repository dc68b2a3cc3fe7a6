#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include <torsion/deferred/logger.hpp>
#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/reactor_core.hpp>

namespace torsion::detail {

/// Something the reactor owns: a port, connector or connection.
class Selectable {
 public:
  Selectable() = default;
  Selectable(const Selectable&) = delete;
  Selectable& operator=(const Selectable&) = delete;
  Selectable(Selectable&&) = delete;
  Selectable& operator=(Selectable&&) = delete;
  virtual ~Selectable() = default;

  /// The reactor is shutting down: finish now (hooks run, then the object destroys itself).
  virtual void shutDown() = 0;
};

class Connector;

/// What `torsion::Reactor` adds to the loop: ownership of every port, connector and connection,
/// the shared read buffer, and the shutdown sweep.
class Transports {
 public:
  /// The size of the per-reactor read buffer every stream connection reads into.
  static constexpr std::size_t kReadBufferSize = 64 * 1024;

  explicit Transports(ReactorCore& core) : core_(core), readBuffer_(kReadBufferSize) {}

  ~Transports();

  Transports(const Transports&) = delete;
  Transports& operator=(const Transports&) = delete;
  Transports(Transports&&) = delete;
  Transports& operator=(Transports&&) = delete;

  /// Takes ownership of `object` and returns it.
  template <class T>
  T& adopt(std::unique_ptr<T> object) {
    T& ref = *object;
    owned_.emplace(static_cast<Selectable*>(&ref), std::move(object));
    return ref;
  }

  /// Destroys an owned object; called by the object itself as its last act.
  void destroy(Selectable* object) noexcept;

  /// Destroys `object`, then calls `onStopped` (if set) and logs what it throws: the end of a
  /// port's `stopListening`, whose callback must see the port gone.
  void destroyThenNotify(Selectable* object, UniqueFunction<void()> onStopped);

  /// The shutdown sweep: every object finishes (hooks run) and is destroyed.
  void disconnectAll();

  [[nodiscard]] std::size_t live() const noexcept { return owned_.size(); }

  [[nodiscard]] bool shuttingDown() const noexcept { return shuttingDown_; }

  [[nodiscard]] ReactorCore& core() noexcept { return core_; }

  [[nodiscard]] const Logger& log() const noexcept { return log_; }

  [[nodiscard]] std::vector<char>& readBuffer() noexcept { return readBuffer_; }

  /// Connectors waiting on name resolution are found again by id, since the answer comes back
  /// from another thread and the connector may be gone by then.
  std::uint64_t registerConnector(Connector* connector);
  void unregisterConnector(std::uint64_t id) noexcept;
  [[nodiscard]] Connector* findConnector(std::uint64_t id) const noexcept;

 private:
  ReactorCore& core_;
  Logger log_{"torsion.transports"};
  std::vector<char> readBuffer_;
  std::unordered_map<Selectable*, std::unique_ptr<Selectable>> owned_;
  std::unordered_map<std::uint64_t, Connector*> connectors_;
  std::uint64_t nextConnectorId_ = 1;
  bool shuttingDown_ = false;
};

}  // namespace torsion::detail
