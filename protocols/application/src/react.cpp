#include <memory>
#include <optional>
#include <utility>

#include <torsion/application/react.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/reactor/errors.hpp>

namespace torsion::detail {

namespace {

/// What the main function's Deferred reports to react, shared with its callbacks, which may
/// outlive the call (a Deferred that fires after the reactor stopped).
struct ReactState {
  Reactor* reactor = nullptr;  // cleared once run() returned
  std::optional<int> status;

  void finish(int code) {
    if (status) {
      return;
    }
    status = code;
    if (reactor != nullptr && reactor->running()) {
      try {
        reactor->stop();
      } catch (const ReactorNotRunning&) {  // NOLINT(bugprone-empty-catch): already stopping
      }
    }
  }
};

}  // namespace

int reactImpl(UniqueFunction<Deferred<int>(Reactor&)> main, ReactorOptions options) {
  auto state = std::make_shared<ReactState>();
  Reactor reactor(options);
  state->reactor = &reactor;
  reactor.callWhenRunning([state, &reactor, fn = std::move(main)]() mutable {
    Deferred<int> done = maybeDeferred([&fn, &reactor] { return fn(reactor); });
    (void)done.addCallbacks([state](int code) { state->finish(code); },
                            [state](const Failure& failure) {
                              Logger("torsion.application")
                                  .failure("react: the main function failed", failure.exception());
                              state->finish(ReactStatus::kFailure);
                            });
  });
  reactor.run();
  state->reactor = nullptr;
  return state->status.value_or(ReactStatus::kSuccess);
}

}  // namespace torsion::detail
