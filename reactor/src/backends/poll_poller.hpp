#pragma once

#include <optional>
#include <vector>

#include <poll.h>

#include "../ipoller.hpp"

namespace torsion::detail {

/// POSIX poll(2): portable and simple, O(watched descriptors) per turn. Keeps one dense pollfd
/// array plus an index by descriptor, so updates are O(1).
class PollPoller final : public IPoller {
 public:
  void update(int fd, unsigned before, unsigned after) override;
  void poll(std::optional<double> timeout, std::vector<ReadyEvent>& ready) override;

  [[nodiscard]] std::string_view name() const noexcept override { return "poll"; }

 private:
  static constexpr int kAbsent = -1;

  std::vector<pollfd> fds_;
  std::vector<int> indexOf_;  // position in fds_ by descriptor, kAbsent if not watched
};

}  // namespace torsion::detail
