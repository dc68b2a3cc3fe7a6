#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include <uv.h>

#include "../ipoller.hpp"

namespace torsion::detail {

/// libuv: one uv_poll_t per watched descriptor, on a private loop or on one the host owns.
///
/// Who runs the loop: the reactor, through `poll` (its turns), or a host calling `uv_run` on its
/// own loop. Readiness libuv reports inside `poll` is collected for the reactor's turn, at no
/// extra cost; readiness reported while the host runs the loop goes to the listener at once, and
/// the wake timer, kept armed at the reactor's next deadline, tells the listener when calls fall
/// due. So a host's plain `uv_run` drives torsion as it would any libuv library.
///
/// Each libuv handle is owned by a small heap object that frees itself in its close callback,
/// never before (libuv's rule). On a private loop the destructor runs the loop until every close
/// callback has run and `uv_loop_close` succeeds; on a host's loop the host's next turn finishes
/// the closing, and the loop is otherwise left as it was.
class UvPoller final : public IPoller {
 public:
  explicit UvPoller(uv_loop_t* hostLoop);
  ~UvPoller() override;

  void update(int fd, unsigned before, unsigned after) override;
  void poll(std::optional<double> timeout, std::vector<ReadyEvent>& ready) override;
  void setWakeDeadline(std::optional<double> deadline) override;

  void setListener(IPollerListener* listener) override { listener_ = listener; }

  [[nodiscard]] std::string_view name() const noexcept override { return "uv"; }

  UvPoller(const UvPoller&) = delete;
  UvPoller& operator=(const UvPoller&) = delete;
  UvPoller(UvPoller&&) = delete;
  UvPoller& operator=(UvPoller&&) = delete;

 private:
  struct PollHandle;
  struct TimerHandle;

  static void onPoll(uv_poll_t* handle, int status, int events);
  static void onWake(uv_timer_t* timer);

  uv_loop_t* loop_;
  uv_loop_t ownLoop_{};
  bool ownsLoop_;
  std::unordered_map<int, PollHandle*> handles_;
  TimerHandle* timeoutTimer_;  // bounds one poll
  TimerHandle* wakeTimer_;     // armed at the next deadline, so a host's uv_run wakes for it
  std::optional<double> wakeArmedFor_;
  std::vector<ReadyEvent>* collecting_ = nullptr;  // set during poll(): inside a reactor turn
  IPollerListener* listener_ = nullptr;            // gets what happens outside a turn
};

}  // namespace torsion::detail
