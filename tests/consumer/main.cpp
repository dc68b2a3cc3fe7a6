// Built against torsion by tests/consumer/check.cmake: proves the exported targets work.
#include <chrono>
#include <cstdio>

#include <torsion/reactor/reactor_core.hpp>

int main() {
  torsion::ReactorOptions options;
  options.installSignalHandlers = false;
  torsion::ReactorCore reactor(options);
  int fired = 0;
  reactor.callLater(std::chrono::milliseconds{1}, [&] {
    ++fired;
    reactor.stop();
  });
  reactor.run();
  std::puts(fired == 1 ? "consumer ok" : "consumer FAILED");
  return fired == 1 ? 0 : 1;
}
