#pragma once

#include <array>
#include <csignal>

#include <torsion/deferred/unique_function.hpp>
#include <torsion/reactor/ireactor_fdset.hpp>
#include <torsion/reactor/unique_fd.hpp>

namespace torsion::detail {

/// Turns SIGINT and SIGTERM into a call on the reactor thread (the self-pipe trick).
///
/// The signal handler only writes the signal number to a pipe, which is async-signal-safe; the
/// pipe's read end sits in the reactor's descriptor set, and `doRead` calls `onSignal` there.
/// A process has one set of signal dispositions, so one watcher may be installed at a time; the
/// previous dispositions are restored by `uninstall`.
class SignalWatcher final : public IReadDescriptor {
 public:
  explicit SignalWatcher(UniqueFunction<void(int)> onSignal);
  ~SignalWatcher() override;

  /// Installs the handlers. @throws Error if another watcher is installed.
  void install();

  /// Restores the dispositions that were in place before `install`.
  void uninstall() noexcept;

  [[nodiscard]] int fileno() const override { return readEnd_.get(); }

  void doRead() override;

  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;
  SignalWatcher(SignalWatcher&&) = delete;
  SignalWatcher& operator=(SignalWatcher&&) = delete;

 private:
  UniqueFd readEnd_;
  UniqueFd writeEnd_;
  UniqueFunction<void(int)> onSignal_;
  bool installed_ = false;
  std::array<struct sigaction, 2> previous_{};
};

}  // namespace torsion::detail
