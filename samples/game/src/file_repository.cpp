#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/game/errors.hpp>
#include <torsion/game/file_repository.hpp>

namespace torsion::game {

FileRepository::FileRepository(IReactorTime& clock, std::filesystem::path file, Seconds interval)
    : file_(std::move(file)), interval_(interval), loop_(clock, [this] { tick(); }) {
  if (file_.empty()) {
    throw ValueError("FileRepository: the state file name is empty");
  }
  if (std::isnan(interval.count()) || interval.count() < 0) {
    throw ValueError("FileRepository: the snapshot interval must be >= 0 seconds");
  }
}

std::optional<Json> FileRepository::get(std::string_view path) const {
  return memory_.get(path);
}

void FileRepository::set(std::string_view path, Json value) {
  memory_.set(path, std::move(value));
  dirty_ = true;
}

void FileRepository::update(std::string_view path, const Json& fields) {
  memory_.update(path, fields);
  dirty_ = true;
}

bool FileRepository::remove(std::string_view path) {
  bool removed = memory_.remove(path);
  dirty_ = dirty_ || removed;
  return removed;
}

void FileRepository::startService() {
  if (running()) {
    return;  // restoring again would drop changes not saved yet
  }
  restore();
  Service::startService();
  if (interval_.count() > 0) {
    // tick() catches its own failures, so the loop only ends with stop(); nothing to wait for.
    Deferred<void> looping = loop_.start(interval_, /*now=*/false);
    (void)looping;
  }
}

Deferred<void> FileRepository::stopService() {
  (void)Service::stopService();
  if (loop_.running()) {
    loop_.stop();
  }
  if (restored_ && dirty_) {
    try {
      save();
    } catch (const SnapshotError&) {
      return fail<void>(Failure::current());
    }
  }
  return succeed();
}

void FileRepository::restore() {
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) {
    if (ec) {
      throw SnapshotError("cannot read the state file " + file_.string() + ": " + ec.message());
    }
    memory_.replaceRoot(Json::object());
    restored_ = true;
    dirty_ = false;
    return;
  }
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    throw SnapshotError("cannot open the state file " + file_.string());
  }
  Json root = Json::parse(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>(),
                          /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    throw SnapshotError("the state file " + file_.string() +
                        " is not valid JSON; fix or remove it (nothing was started)");
  }
  if (!root.is_object()) {
    throw SnapshotError("the state file " + file_.string() + " holds a " + root.type_name() +
                        ", not a JSON object; fix or remove it (nothing was started)");
  }
  memory_.replaceRoot(std::move(root));
  restored_ = true;
  dirty_ = false;
}

void FileRepository::save() {
  std::filesystem::path temp = file_;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << memory_.root().dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);  // a partial write is of no use to anyone
      throw SnapshotError("cannot write the state file " + temp.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, file_, ec);
  if (ec) {
    throw SnapshotError("cannot rename " + temp.string() + " to " + file_.string() + ": " +
                        ec.message());
  }
  dirty_ = false;
  ++saves_;
}

void FileRepository::tick() {
  if (!dirty_) {
    return;
  }
  try {
    save();
  } catch (const SnapshotError& e) {
    log_.warn("periodic save failed, will retry: {}", e.what());
  }
}

}  // namespace torsion::game
