#pragma once

#include <optional>
#include <vector>

#include <sys/epoll.h>

#include <torsion/reactor/unique_fd.hpp>

#include "../ipoller.hpp"

namespace torsion::detail {

/// Linux epoll. Registrations are applied with epoll_ctl at once, so the epoll descriptor never
/// lags behind the reactor's view. In embedding mode a timerfd armed at the next deadline sits
/// in the set too, so the epoll descriptor also turns readable when a call falls due.
class EpollPoller final : public IPoller {
 public:
  EpollPoller();

  void update(int fd, unsigned before, unsigned after) override;
  void poll(std::optional<double> timeout, std::vector<ReadyEvent>& ready) override;
  void setWakeDeadline(std::optional<double> deadline) override;
  int embeddingDescriptor() override;

  [[nodiscard]] std::string_view name() const noexcept override { return "epoll"; }

 private:
  void armTimer(std::optional<double> deadline);

  UniqueFd epoll_;
  UniqueFd timer_;                  // valid only in embedding mode
  std::optional<double> armedFor_;  // the deadline the timerfd is set to
  std::vector<epoll_event> events_;
};

}  // namespace torsion::detail
