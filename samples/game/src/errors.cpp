#include <string>
#include <utility>

#include <torsion/game/errors.hpp>

namespace torsion::game {

namespace {

std::string describe(const std::string& error, const Json& detail) {
  // `replace`: a detail may quote a client's bytes, which need not be valid UTF-8.
  return error + ": " +
         (detail.is_string() ? detail.get<std::string>()
                             : detail.dump(-1, ' ', false, Json::error_handler_t::replace));
}

}  // namespace

GameError::GameError(std::string error, Json detail)
    : ValueError(describe(error, detail)), error_(std::move(error)), detail_(std::move(detail)) {}

GameError::GameError(const std::string& what, std::string error, Json detail)
    : ValueError(what), error_(std::move(error)), detail_(std::move(detail)) {}

Json GameError::toMessage() const {
  return Json{{"error", error_}, {"detail", detail_}};
}

PathError::PathError(const std::string& path, const std::string& reason)
    : GameError("bad path '" + path + "': " + reason, "bad path",
                Json{{"path", path}, {"reason", reason}}) {}

}  // namespace torsion::game
