#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <torsion/game/errors.hpp>
#include <torsion/game/state_controller.hpp>

namespace torsion::game {

namespace {

const Json& field(const Json& command, const char* name, const std::string& code) {
  auto it = command.find(name);
  if (it == command.end()) {
    throw CommandError("bad command", code + " needs '" + name + "'");
  }
  return *it;
}

std::size_t indexField(const Json& command, const char* name, const std::string& code) {
  const Json& value = field(command, name, code);
  if (!value.is_number_unsigned()) {
    throw CommandError("bad command",
                       "'" + std::string(name) + "' must be an integer >= 0, got " +
                           value.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  return value.get<std::size_t>();
}

/// The `to` field, if any: a list of connection indexes.
std::optional<std::vector<ConnectionIndex>> recipients(const Json& command) {
  auto it = command.find("to");
  if (it == command.end()) {
    return std::nullopt;
  }
  bool valid = it->is_array();
  for (std::size_t i = 0; valid && i < it->size(); ++i) {
    valid = (*it)[i].is_number_unsigned();
  }
  if (!valid) {
    throw CommandError("bad command", "'to' must be a list of connection indexes");
  }
  return it->get<std::vector<ConnectionIndex>>();
}

/// `message` for the listed connections if the command lists some, else for everyone or the
/// sender only.
Reply address(const CommandContext& context, const std::optional<std::vector<ConnectionIndex>>& to,
              Json message, bool toAll) {
  if (to) {
    return context.toListed(*to, std::move(message));
  }
  return toAll ? context.toAll(std::move(message)) : context.toSender(std::move(message));
}

}  // namespace

std::vector<Reply> StateController::handle(IRepository& repository, const CommandContext& context,
                                           const Json& command) {
  const Json& codeValue = field(command, "code", "a command");
  if (!codeValue.is_string()) {
    throw CommandError("bad command", "'code' must be a string");
  }
  const std::string code = codeValue.get<std::string>();
  const Json& keyValue = field(command, "key", code);
  if (!keyValue.is_string()) {
    throw CommandError("bad command", "'key' must be a string");
  }
  const std::string key = keyValue.get<std::string>();
  const std::optional<std::vector<ConnectionIndex>> to = recipients(command);

  if (code == "get") {
    Json state = repository.get(key).value_or(Json());
    return {address(context, to, {{"code", "set"}, {"key", key}, {"state", state}}, false)};
  }
  if (code == "set") {
    Json state = field(command, "state", code);
    repository.set(key, state);
    return {address(context, to, {{"code", "set"}, {"key", key}, {"state", state}}, true)};
  }
  if (code == "update") {
    std::size_t index = indexField(command, "index", code);
    Json value = field(command, "value", code);
    Json list = repository.get(key).value_or(Json::array());
    if (!list.is_array()) {
      throw CommandError("bad command",
                         "update needs a list at '" + key + "', which holds a " + list.type_name());
    }
    if (index > list.size()) {
      throw CommandError("bad command", "index " + std::to_string(index) +
                                            " is beyond the end of '" + key + "' (" +
                                            std::to_string(list.size()) + " items)");
    }
    if (index == list.size()) {
      list.push_back(value);
    } else {
      list[index] = value;
    }
    repository.set(key, std::move(list));
    return {address(context, to,
                    {{"code", "update"}, {"key", key}, {"index", index}, {"value", value}}, true)};
  }
  throw CommandError("unknown code", code);
}

}  // namespace torsion::game
