#pragma once

#include <memory>
#include <optional>
#include <string>

#include <sys/types.h>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_fdset.hpp>
#include <torsion/reactor/unique_fd.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/ilistening_port.hpp>

#include "transports.hpp"

namespace torsion::detail {

/// A listening stream socket (TCP or UNIX) that accepts connections for a factory.
///
/// It starts on a zero-delay call (the factory's startFactory never runs inside listenTCP).
/// When accept fails for lack of descriptors or memory it stops watching the socket and tries
/// again after a growing delay, logging once per episode, so the loop neither spins nor dies.
class StreamPort final : public IListeningPort, public IReadDescriptor, public Selectable {
 public:
  /// Accepts per readiness event.
  static constexpr int kAcceptBudget = 64;
  /// First and longest pause after EMFILE/ENFILE/ENOBUFS/ENOMEM.
  static constexpr double kFirstBackoff = 0.02;
  static constexpr double kMaxBackoff = 1.0;

  /// `unlinkPath` is the UNIX socket file to remove on stop (empty: none), identified by
  /// `device`/`inode` so a file another process put there is left alone.
  StreamPort(Transports& owner, UniqueFd fd, AddressFamily family, std::shared_ptr<Factory> factory,
             std::string unlinkPath, dev_t device, ino_t inode);
  ~StreamPort() override;

  StreamPort(const StreamPort&) = delete;
  StreamPort& operator=(const StreamPort&) = delete;
  StreamPort(StreamPort&&) = delete;
  StreamPort& operator=(StreamPort&&) = delete;

  /// Schedules the start.
  void start();

  // IListeningPort
  void stopListening(UniqueFunction<void()> onStopped) override;

  [[nodiscard]] Address getHost() const override { return host_; }

  // IReadDescriptor
  [[nodiscard]] int fileno() const override { return fd_.get(); }

  void doRead() override;

  // Selectable
  void shutDown() override;

 private:
  void begin();
  void backOff(int err);
  void stopReading() noexcept;
  void finishStop();

  Transports& owner_;
  UniqueFd fd_;
  AddressFamily family_;
  std::shared_ptr<Factory> factory_;
  Address host_;
  std::string unlinkPath_;
  dev_t device_;
  ino_t inode_;

  bool started_ = false;
  bool stopping_ = false;
  bool reading_ = false;
  double backoff_ = 0;
  UniqueFunction<void()> onStopped_;
  DelayedCall startCall_;
  DelayedCall retryCall_;
  DelayedCall stopCall_;
};

}  // namespace torsion::detail
