#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/deferred/error.hpp>
#include <torsion/game/application.hpp>
#include <torsion/game/command_context.hpp>
#include <torsion/game/errors.hpp>
#include <torsion/game/state_controller.hpp>

namespace torsion::game {

Application::Application(IRepository& repository)
    : Application(repository, std::make_shared<StateController>()) {}

Application::Application(IRepository& repository, std::shared_ptr<IController> defaultController)
    : repository_(repository), default_(std::move(defaultController)) {
  if (!default_) {
    throw ValueError("Application: the default controller is null");
  }
}

void Application::route(const std::string& key, std::shared_ptr<IController> controller) {
  if (key.empty() || key.find('.') != std::string::npos) {
    throw ValueError("Application::route: '" + key + "' is not a single key segment");
  }
  if (!controller) {
    throw ValueError("Application::route: the controller for '" + key + "' is null");
  }
  if (!routes_.emplace(key, std::move(controller)).second) {
    throw ValueError("Application::route: '" + key + "' already has a controller");
  }
}

std::vector<Reply> Application::onConnect(ConnectionIndex index) {
  auto at = std::lower_bound(connections_.begin(), connections_.end(), index);
  if (at != connections_.end() && *at == index) {
    throw ValueError("Application::onConnect: connection " + std::to_string(index) +
                     " is already connected");
  }
  connections_.insert(at, index);
  return {Reply{{index}, Json{{"code", "welcome"}, {"index", index}}}};
}

void Application::onDisconnect(ConnectionIndex index) {
  auto at = std::lower_bound(connections_.begin(), connections_.end(), index);
  if (at != connections_.end() && *at == index) {
    connections_.erase(at);
  }
}

std::vector<Reply> Application::handleCommand(ConnectionIndex sender, const Json& command) {
  CommandContext context{sender, connections_};
  try {
    if (!command.is_object()) {
      throw CommandError("bad command", "a command must be a JSON object");
    }
    auto key = command.find("key");
    if (key == command.end() || !key->is_string()) {
      throw CommandError("bad command", "'key' must be a string");
    }
    return controllerFor(key->get<std::string>()).handle(repository_, context, command);
  } catch (const GameError& e) {
    return {context.toSender(e.toMessage())};
  } catch (const Json::exception& e) {
    // A controller read a field with the wrong type: still the client's input at fault.
    return {context.toSender(GameError("bad command", e.what()).toMessage())};
  }
}

IController& Application::controllerFor(const std::string& key) const {
  auto route = routes_.find(std::string_view(key).substr(0, key.find('.')));
  return route == routes_.end() ? *default_ : *route->second;
}

}  // namespace torsion::game
