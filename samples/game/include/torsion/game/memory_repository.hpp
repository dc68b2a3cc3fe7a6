#pragma once

#include <optional>
#include <string_view>

#include <torsion/game/irepository.hpp>
#include <torsion/game/json.hpp>

namespace torsion::game {

/// An IRepository that keeps the state in memory, as one JSON object (the article's in-memory
/// `Storage`). Tests and the `torsion game` service without `--state-file` use it;
/// FileRepository keeps one and saves it.
///
/// Ownership: owns the state. Thread: the reactor's thread only.
class MemoryRepository final : public IRepository {
 public:
  /// An empty state, `{}`.
  MemoryRepository() = default;

  [[nodiscard]] std::optional<Json> get(std::string_view path) const override;
  void set(std::string_view path, Json value) override;
  void update(std::string_view path, const Json& fields) override;
  bool remove(std::string_view path) override;

  /// The whole state (always an object), e.g. to save it.
  [[nodiscard]] const Json& root() const noexcept { return root_; }

  /// Replaces the whole state, e.g. with one read back from disk.
  /// @throws ValueError if `root` is not an object.
  void replaceRoot(Json root);

 private:
  Json root_ = Json::object();
};

}  // namespace torsion::game
