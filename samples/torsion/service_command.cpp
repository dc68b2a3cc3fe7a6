#include "service_command.hpp"

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <torsion/deferred/error.hpp>

namespace torsion::cli {

void listenOn(MultiService& root, EndpointReactors reactors, IReactorTime& clock,
              const std::vector<std::string>& listen, const std::shared_ptr<Factory>& factory,
              Seconds shutdownTimeout) {
  if (listen.empty()) {
    throw ValueError("no --listen endpoint given");
  }
  for (const std::string& description : listen) {
    auto service = std::make_unique<StreamServerEndpointService>(
        serverFromString(reactors, description), factory,
        DrainOptions{.clock = &clock, .timeout = shutdownTimeout});
    service->setName("listen " + description);
    root.addService(std::move(service));  // ValueError for the same --listen given twice
  }
}

Seconds parseSeconds(const std::string& option, const std::string& text) {
  double value = 0;
  std::size_t used = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::logic_error&) {
    used = 0;
  }
  if (used != text.size() || text.empty() || !std::isfinite(value) || value < 0) {
    throw ValueError(option + ": expected a number of seconds >= 0, got '" + text + "'");
  }
  return Seconds{value};
}

}  // namespace torsion::cli
