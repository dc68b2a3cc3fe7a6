#pragma once

#include <optional>
#include <string_view>

#include <torsion/game/json.hpp>

namespace torsion::game {

/// Where the game keeps its state: one JSON object for the whole application, addressed by
/// dotted paths (the article's `Repository`). `room1.players.3` is key "players" of key "room1"
/// of the root object, then item 3 of that list: a segment indexes a list when it is a decimal
/// number and the value there is a list, and names a key otherwise.
///
/// Keeping all state in one place is what makes it easy to save and restore (FileRepository)
/// and to swap the store without touching the controllers.
///
/// A call that throws changes nothing.
///
/// Ownership: callers hold it by reference; whoever builds the Application owns it.
/// Thread: the reactor's thread only.
class IRepository {
 public:
  IRepository() = default;
  IRepository(const IRepository&) = delete;
  IRepository& operator=(const IRepository&) = delete;
  IRepository(IRepository&&) = delete;
  IRepository& operator=(IRepository&&) = delete;
  virtual ~IRepository() = default;

  /// The value at `path`, or nullopt if a key or list item on the way does not exist.
  /// @throws PathError if `path` is malformed (empty, or an empty segment), goes through a
  ///   value that is neither an object nor a list, or gives a list a segment that is not a
  ///   number.
  [[nodiscard]] virtual std::optional<Json> get(std::string_view path) const = 0;

  /// Stores `value` at `path`, creating missing objects on the way. A list item is replaced;
  /// an index equal to the list's size appends.
  /// @throws PathError as `get`, and for a list index beyond the end.
  virtual void set(std::string_view path, Json value) = 0;

  /// Merges the keys of the object `fields` into the object at `path` (a shallow merge: each
  /// key of `fields` replaces the one there); creates the object if `path` does not exist.
  /// @throws PathError as `set`, or if the value at `path` is not an object;
  ///   GameError ("bad value") if `fields` is not an object.
  virtual void update(std::string_view path, const Json& fields) = 0;

  /// Deletes the value at `path` (a list closes the gap). Returns false if there was none.
  /// @throws PathError as `get`.
  virtual bool remove(std::string_view path) = 0;
};

}  // namespace torsion::game
