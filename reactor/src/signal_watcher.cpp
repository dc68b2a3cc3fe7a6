#include "signal_watcher.hpp"

#include <atomic>
#include <cerrno>

#include <fcntl.h>
#include <unistd.h>

#include <torsion/deferred/error.hpp>

#include "throw_errno.hpp"

namespace torsion::detail {

namespace {

constexpr std::array<int, 2> kSignals = {SIGINT, SIGTERM};

// A signal handler can reach nothing but globals. This is the write end of the installed
// watcher's pipe, or -1; only one watcher can own the process's dispositions at a time.
// NOLINTNEXTLINE(cppcoreguidelines-avoid-non-const-global-variables)
std::atomic<int> gSignalPipe{-1};

extern "C" void onSignalHandler(int signo) {
  const int savedErrno = errno;
  const int fd = gSignalPipe.load();
  if (fd >= 0) {
    const auto byte = static_cast<unsigned char>(signo);
    [[maybe_unused]] const ssize_t n = ::write(fd, &byte, 1);
  }
  errno = savedErrno;
}

}  // namespace

SignalWatcher::SignalWatcher(UniqueFunction<void(int)> onSignal) : onSignal_(std::move(onSignal)) {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_NONBLOCK | O_CLOEXEC) != 0) {
    throwErrno("pipe2");
  }
  readEnd_.reset(fds[0]);
  writeEnd_.reset(fds[1]);
}

SignalWatcher::~SignalWatcher() {
  uninstall();
}

void SignalWatcher::install() {
  int expected = -1;
  if (!gSignalPipe.compare_exchange_strong(expected, writeEnd_.get())) {
    throw Error("another reactor already handles SIGINT/SIGTERM in this process");
  }

  struct sigaction action {};

  action.sa_handler = &onSignalHandler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (std::size_t i = 0; i < kSignals.size(); ++i) {
    ::sigaction(kSignals.at(i), &action, &previous_.at(i));
  }
  installed_ = true;
}

void SignalWatcher::uninstall() noexcept {
  if (!installed_) {
    return;
  }
  for (std::size_t i = 0; i < kSignals.size(); ++i) {
    ::sigaction(kSignals.at(i), &previous_.at(i), nullptr);
  }
  gSignalPipe.store(-1);
  installed_ = false;
}

void SignalWatcher::doRead() {
  std::array<unsigned char, 64> signals{};
  for (;;) {
    const ssize_t n = ::read(readEnd_.get(), signals.data(), signals.size());
    if (n <= 0) {
      return;
    }
    for (ssize_t i = 0; i < n; ++i) {
      onSignal_(signals.at(static_cast<std::size_t>(i)));
    }
  }
}

}  // namespace torsion::detail
