#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <torsion/deferred/error.hpp>
#include <torsion/game/framing.hpp>
#include <torsion/game/int32_json_parser.hpp>
#include <torsion/game/iparser.hpp>
#include <torsion/game/json.hpp>
#include <torsion/game/netstring_json_parser.hpp>
#include <torsion/game/nul_json_parser.hpp>
#include <torsion/game/parse_event.hpp>

using torsion::game::Framing;
using torsion::game::IParser;
using torsion::game::Json;
using torsion::game::makeParser;
using torsion::game::ParseEvent;

namespace {

/// One line per event: "command {...}", "error <kind>", with " (broken)" for streamBroken.
std::vector<std::string> describe(const std::vector<ParseEvent>& events) {
  std::vector<std::string> out;
  for (const ParseEvent& event : events) {
    std::string line = event.command ? "command " + event.command->dump()
                                     : "error " + (event.error ? event.error->error() : "?");
    out.push_back(line + (event.streamBroken ? " (broken)" : ""));
  }
  return out;
}

/// Feeds `bytes` to `parser` in chunks of `chunk` bytes; returns every event.
std::vector<std::string> feedInChunks(IParser& parser, std::string_view bytes, std::size_t chunk) {
  std::vector<ParseEvent> events;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    for (ParseEvent& event : parser.feed(bytes.substr(i, chunk))) {
      events.push_back(std::move(event));
    }
  }
  return describe(events);
}

/// A frame of `json` in `framing`, whether or not it is valid JSON.
std::string frame(Framing framing, const std::string& json) {
  switch (framing) {
    case Framing::kNetstring:
      return std::to_string(json.size()) + ":" + json + ",";
    case Framing::kInt32: {
      std::string prefix(4, '\0');
      for (std::size_t i = 0; i < 4; ++i) {
        prefix[3 - i] = static_cast<char>((json.size() >> (8 * i)) & 0xFFU);
      }
      return prefix + json;
    }
    case Framing::kNulJson:
      break;
  }
  return json + std::string(1, '\0');
}

}  // namespace

TEST_CASE("every framing round-trips commands, however the bytes are split", "[game][parser]") {
  const Framing framing = GENERATE(Framing::kNulJson, Framing::kNetstring, Framing::kInt32);
  const auto chunk = static_cast<std::size_t>(GENERATE(1, 2, 3, 7, 1000));
  INFO("framing " << torsion::game::framingName(framing) << ", chunk " << chunk);
  std::unique_ptr<IParser> parser = makeParser(framing, 100);
  const Json get = {{"code", "get"}, {"key", "room1"}};
  const Json set = {{"code", "set"}, {"key", "é.ü"}, {"state", {{"a", Json::array({1, 2})}}}};
  const std::string bytes = parser->serialize(get) + parser->serialize(set);
  CHECK(bytes == frame(framing, get.dump()) + frame(framing, set.dump()));
  CHECK(feedInChunks(*parser, bytes, chunk) ==
        std::vector<std::string>{"command " + get.dump(), "command " + set.dump()});
}

TEST_CASE("every framing refuses malformed JSON and non-objects, then goes on", "[game][parser]") {
  const Framing framing = GENERATE(Framing::kNulJson, Framing::kNetstring, Framing::kInt32);
  const auto chunk = static_cast<std::size_t>(GENERATE(1, 5, 1000));
  std::unique_ptr<IParser> parser = makeParser(framing, 100);
  const std::string bytes = frame(framing, R"({"code": "get", "key": )") +
                            frame(framing, "[1, 2]") + frame(framing, "\xff\xfe") +
                            frame(framing, R"({"code":"get","key":"a"})");
  CHECK(feedInChunks(*parser, bytes, chunk) ==
        std::vector<std::string>{"error malformed JSON", "error not an object",
                                 "error malformed JSON", R"(command {"code":"get","key":"a"})"});
}

TEST_CASE("every framing refuses an oversized message once, skips it, and goes on",
          "[game][parser]") {
  const Framing framing = GENERATE(Framing::kNulJson, Framing::kNetstring, Framing::kInt32);
  const auto chunk = static_cast<std::size_t>(GENERATE(1, 4, 1000));
  std::unique_ptr<IParser> parser = makeParser(framing, 20);
  const std::string big = R"({"state": ")" + std::string(500, 'x') + R"("})";
  const std::string fits = R"({"key":"a"})";
  const std::string exactly(20, ' ');  // 20 bytes is allowed (whitespace: malformed, not long)
  std::vector<std::string> got = feedInChunks(
      *parser,
      frame(framing, fits) + frame(framing, big) + frame(framing, exactly) + frame(framing, fits),
      chunk);
  CHECK(got == std::vector<std::string>{R"(command {"key":"a"})", "error message too long",
                                        "error malformed JSON", R"(command {"key":"a"})"});
}

TEST_CASE("the too-long error gives the limit, and the length when the framing announces it",
          "[game][parser]") {
  torsion::game::NetstringJsonParser netstrings(10);
  std::vector<ParseEvent> events = netstrings.feed("12345:");  // before any data arrives
  REQUIRE(events.size() == 1);
  CHECK(events[0].error->toMessage() ==
        Json::parse(R"({"error": "message too long", "detail": {"limit": 10, "length": 12345}})"));

  torsion::game::NulJsonParser nul(10);
  events = nul.feed(std::string(11, 'x'));  // known as soon as the 11th byte is buffered
  REQUIRE(events.size() == 1);
  CHECK(events[0].error->detail() == Json({{"limit", 10}}));
  CHECK(nul.feed(std::string(1000, 'x')).empty());  // the rest of it is dropped silently
  CHECK(describe(nul.feed(std::string("x\0{}\0", 5))) == std::vector<std::string>{"command {}"});
}

TEST_CASE("NulJsonParser skips empty frames", "[game][parser]") {
  torsion::game::NulJsonParser parser(100);
  CHECK(describe(parser.feed(std::string("\0\0{}\0\0", 6))) ==
        std::vector<std::string>{"command {}"});
}

TEST_CASE("NetstringJsonParser ends the stream at broken framing", "[game][parser]") {
  const std::string broken =
      GENERATE(as<std::string>{}, "x:{},", ":{},", "01:{},", "2:{}x", "1234567890123456:");
  torsion::game::NetstringJsonParser parser(100);
  std::vector<std::string> got = describe(parser.feed("2:{}," + broken + "2:{},"));
  INFO(broken);
  CHECK(got == std::vector<std::string>{"command {}", "error bad framing (broken)"});
  CHECK(parser.feed("2:{},").empty());  // nothing after the break, ever
}

TEST_CASE("Int32JsonParser completes an empty message with its prefix", "[game][parser]") {
  torsion::game::Int32JsonParser parser(100);
  CHECK(describe(parser.feed(std::string(4, '\0'))) ==
        std::vector<std::string>{"error malformed JSON"});
}

TEST_CASE("framing names parse, and a bad one is refused by name", "[game][parser]") {
  CHECK(torsion::game::parseFraming("nul-json") == Framing::kNulJson);
  CHECK(torsion::game::parseFraming("netstring") == Framing::kNetstring);
  CHECK(torsion::game::parseFraming("int32") == Framing::kInt32);
  CHECK_THROWS_WITH(torsion::game::parseFraming("xml"), Catch::Contains("'xml'"));
  CHECK_THROWS_AS(makeParser(Framing::kInt32, 0), torsion::ValueError);
}
