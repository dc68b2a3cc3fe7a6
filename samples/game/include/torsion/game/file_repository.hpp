#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string_view>

#include <torsion/application/service.hpp>
#include <torsion/deferred/deferred.hpp>
#include <torsion/deferred/logger.hpp>
#include <torsion/game/irepository.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/memory_repository.hpp>
#include <torsion/reactor/delayed_call.hpp>
#include <torsion/reactor/ireactor_time.hpp>
#include <torsion/reactor/looping_call.hpp>

namespace torsion::game {

/// An IRepository kept in memory and saved to a file: restored when the service starts,
/// saved every `interval` while it runs (a LoopingCall) and once more when it stops.
///
/// A save writes `<file>.tmp` and renames it over `<file>`, so a crash mid-write leaves the
/// previous snapshot whole. Only a state that changed since the last save is written. A missing
/// file is an empty state; a file that is not a JSON object stops the service from starting
/// (SnapshotError), and such a service never saves, so the bad file is left for a human.
/// A periodic save that fails is logged (namespace "torsion.game") and retried at the next
/// tick; a failed final save fails `stopService`'s Deferred.
///
/// Example:
///     auto repo = std::make_unique<torsion::game::FileRepository>(reactor, "game.json", 30s);
///     torsion::game::FileRepository& state = root.addService(std::move(repo));
///     torsion::game::Application app(state);   // the service restores it on start
///
/// Ownership: owns the state and its LoopingCall; the clock must outlive it.
/// Thread: the clock's (reactor's) thread only.
class FileRepository final : public IRepository, public Service {
 public:
  /// A repository saved to `file`; `interval` 0 means "only when stopping".
  /// @throws ValueError if `interval` is negative or NaN, or `file` is empty.
  FileRepository(IReactorTime& clock, std::filesystem::path file, Seconds interval);

  [[nodiscard]] std::optional<Json> get(std::string_view path) const override;
  void set(std::string_view path, Json value) override;
  void update(std::string_view path, const Json& fields) override;
  bool remove(std::string_view path) override;

  /// Restores the state from the file, then starts the periodic saves.
  /// @throws SnapshotError naming the file if it cannot be read or is not a JSON object; the
  ///   service is then not running.
  void startService() override;

  /// Stops the periodic saves and saves a changed state. The Deferred fails with
  /// SnapshotError if that save fails.
  Deferred<void> stopService() override;

  /// Reads the file into memory (a missing file: an empty state).
  /// @throws SnapshotError naming the file if it cannot be read or is not a JSON object.
  void restore();

  /// Writes the state to the file now (temporary file, then rename), changed or not.
  /// @throws SnapshotError naming the file if it cannot be written.
  void save();

  /// True if the state changed since it was last restored or saved.
  [[nodiscard]] bool dirty() const noexcept { return dirty_; }

  /// How many times the state was written (to see the interval at work).
  [[nodiscard]] std::size_t saves() const noexcept { return saves_; }

  /// The file the state lives in.
  [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }

 private:
  void tick();

  std::filesystem::path file_;
  Seconds interval_;
  MemoryRepository memory_;
  bool dirty_ = false;
  bool restored_ = false;  // never save over a file we could not read
  std::size_t saves_ = 0;
  Logger log_{"torsion.game"};
  LoopingCall loop_;  // its function captures `this`; stopped before the members above go
};

}  // namespace torsion::game
