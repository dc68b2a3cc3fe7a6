#include <string>
#include <utility>

#include <torsion/application/service.hpp>
#include <torsion/deferred/error.hpp>

namespace torsion {

void Service::setName(std::string name) {
  if (parent_ != nullptr) {
    throw Error("cannot rename service '" + name_ + "' to '" + name +
                "' while it has a parent; rename it before addService");
  }
  name_ = std::move(name);
}

}  // namespace torsion
