#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/deferred/error.hpp>
#include <torsion/game/errors.hpp>
#include <torsion/game/memory_repository.hpp>

#include "dotted_path.hpp"

namespace torsion::game {

namespace {

/// The path up to and including segment `last`, for error messages.
std::string prefix(const std::vector<std::string>& segments, std::size_t last) {
  std::string out;
  for (std::size_t i = 0; i <= last; ++i) {
    out += (i == 0 ? "" : ".") + segments[i];
  }
  return out;
}

/// Where segment `i` leads from `node`, which must be an object or a list. Returns null when
/// the key or item does not exist.
/// @throws PathError if `node` is a scalar, or a list given a segment that is not an index.
template <class J>
J* step(J& node, const std::vector<std::string>& segments, std::size_t i, std::string_view path) {
  const std::string& segment = segments[i];
  if (node.is_object()) {
    auto it = node.find(segment);
    return it == node.end() ? nullptr : &*it;
  }
  if (node.is_array()) {
    std::optional<std::size_t> index = detail::listIndex(segment);
    if (!index) {
      throw PathError(std::string(path), "'" + prefix(segments, i - 1) + "' is a list; '" +
                                             segment + "' is not an index");
    }
    return *index < node.size() ? &node[*index] : nullptr;
  }
  throw PathError(std::string(path), i == 0 ? "the root is not an object"
                                            : "'" + prefix(segments, i - 1) + "' is a " +
                                                  node.type_name() + ", not an object or list");
}

/// The parent of the path's last value, or null if some value on the way does not exist.
/// @throws PathError as `step`.
template <class J>
J* findParent(J& root, const std::vector<std::string>& segments, std::string_view path) {
  J* node = &root;
  for (std::size_t i = 0; i + 1 < segments.size() && node != nullptr; ++i) {
    node = step(*node, segments, i, path);
  }
  return node;
}

/// Throws what `set` would throw, before anything changes: a path through a scalar, a list
/// given a non-index, or a list index beyond the end (appending is allowed at the last step).
void checkSettable(const Json& root, const std::vector<std::string>& segments,
                   std::string_view path) {
  const Json* node = &root;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Json* next = step(*node, segments, i, path);
    if (next == nullptr) {
      bool last = i + 1 == segments.size();
      if (node->is_array() && !(last && detail::listIndex(segments[i]) == node->size())) {
        throw PathError(std::string(path), "index " + segments[i] + " is beyond the end of '" +
                                               prefix(segments, i - 1) + "' (" +
                                               std::to_string(node->size()) + " items)");
      }
      return;  // the rest is created as objects
    }
    node = next;
  }
}

}  // namespace

std::optional<Json> MemoryRepository::get(std::string_view path) const {
  std::vector<std::string> segments = detail::splitPath(path);
  const Json* parent = findParent(root_, segments, path);
  if (parent == nullptr) {
    return std::nullopt;
  }
  const Json* value = step(*parent, segments, segments.size() - 1, path);
  return value == nullptr ? std::nullopt : std::optional<Json>(*value);
}

void MemoryRepository::set(std::string_view path, Json value) {
  std::vector<std::string> segments = detail::splitPath(path);
  checkSettable(root_, segments, path);
  Json* node = &root_;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    bool last = i + 1 == segments.size();
    if (node->is_array()) {
      std::size_t index = detail::listIndex(segments[i]).value_or(0);  // checked above
      if (index == node->size()) {
        node->push_back(Json());  // appended: filled in below (checked: it is the last)
        node = &node->back();
      } else {
        node = &(*node)[index];
      }
    } else {
      node = &(*node)[segments[i]];  // an object: creates a null for a missing key
    }
    if (last) {
      *node = std::move(value);
      return;
    }
    if (node->is_null()) {
      *node = Json::object();
    }
  }
}

void MemoryRepository::update(std::string_view path, const Json& fields) {
  if (!fields.is_object()) {
    throw GameError("bad value",
                    "update needs an object, got a " + std::string(fields.type_name()));
  }
  std::optional<Json> current = get(path);
  if (!current) {
    set(path, fields);
    return;
  }
  if (!current->is_object()) {
    throw PathError(std::string(path),
                    "the value is a " + std::string(current->type_name()) + ", not an object");
  }
  current->update(fields);
  set(path, std::move(*current));
}

bool MemoryRepository::remove(std::string_view path) {
  std::vector<std::string> segments = detail::splitPath(path);
  Json* parent = findParent(root_, segments, path);
  if (parent == nullptr || step(*parent, segments, segments.size() - 1, path) == nullptr) {
    return false;
  }
  if (parent->is_object()) {
    parent->erase(segments.back());
  } else {
    parent->erase(detail::listIndex(segments.back()).value_or(0));
  }
  return true;
}

void MemoryRepository::replaceRoot(Json root) {
  if (!root.is_object()) {
    throw ValueError("the game state must be a JSON object, got a " +
                     std::string(root.type_name()));
  }
  root_ = std::move(root);
}

}  // namespace torsion::game
