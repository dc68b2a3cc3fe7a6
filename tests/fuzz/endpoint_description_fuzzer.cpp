// Fuzz target: the endpoint description parser (transports/include/torsion/transports/
// endpoints.hpp): EndpointDescription::parse, serverFromString, clientFromString and
// quoteEndpointArgument.
//
// Input: [mode][description or text]. mode % 4 picks parse, serverFromString, clientFromString
// or the quoting round trip; bit 0x10 gives the string parsers a reactor bundle without TCP and
// UNIX support.
//
// Invariants, beyond "no crash, no leak, no UB":
// - nothing but a ValueError (EndpointParseError is one) escapes, and its message is not empty;
// - parse agrees with a plain reference split of the description: ':' separates parts, a
//   backslash makes the next character literal, a part with an unescaped '=' is key=value (split
//   at the first), the first positional part is the type and must not be empty, the others are
//   the args, in order;
// - quoting every part and joining them again parses back to the same description, and a
//   quoted text is one part holding exactly that text;
// - an endpoint the string parsers return can listen or connect on a MemoryReactor, which then
//   records exactly one call.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torsion/deferred/error.hpp>
#include <torsion/deferred/failure.hpp>
#include <torsion/testing/memory_reactor.hpp>
#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/factory.hpp>
#include <torsion/transports/protocol.hpp>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"

namespace {

using torsion::fuzz::check;

struct Reference {
  bool valid = false;
  std::string type;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> kwargs;
};

// The description split by the documented syntax. Deliberately written apart from the parser:
// it is the oracle.
Reference referenceParse(std::string_view text) {
  Reference ref;
  if (text.empty()) {
    return ref;
  }

  struct Part {
    std::string key;
    std::optional<std::string> value;
  };

  std::vector<Part> parts(1);
  for (std::size_t i = 0; i < text.size(); ++i) {
    Part& part = parts.back();
    std::string& into = part.value ? *part.value : part.key;
    if (text[i] == '\\') {
      if (i + 1 == text.size()) {
        return ref;  // A trailing backslash escapes nothing.
      }
      into += text[++i];
    } else if (text[i] == ':') {
      parts.emplace_back();
    } else if (text[i] == '=' && !part.value) {
      part.value.emplace();
    } else {
      into += text[i];
    }
  }
  bool first = true;
  for (Part& part : parts) {
    if (part.value) {
      ref.kwargs.emplace_back(std::move(part.key), std::move(*part.value));
    } else if (first) {
      ref.type = std::move(part.key);
      first = false;
    } else {
      ref.args.push_back(std::move(part.key));
    }
  }
  ref.valid = !ref.type.empty();
  return ref;
}

std::string join(const torsion::EndpointDescription& d) {
  std::string out = torsion::quoteEndpointArgument(d.type);
  for (const std::string& arg : d.args) {
    out.append(":").append(torsion::quoteEndpointArgument(arg));
  }
  for (const auto& [key, value] : d.kwargs) {
    out.append(":").append(torsion::quoteEndpointArgument(key));
    out.append("=").append(torsion::quoteEndpointArgument(value));
  }
  return out;
}

bool same(const torsion::EndpointDescription& a, const torsion::EndpointDescription& b) {
  return a.type == b.type && a.args == b.args && a.kwargs == b.kwargs;
}

void fuzzParse(std::string_view text) {
  const Reference ref = referenceParse(text);
  std::optional<torsion::EndpointDescription> parsed;
  try {
    parsed = torsion::EndpointDescription::parse(text);
  } catch (const torsion::ValueError& e) {
    check(*e.what() != '\0', "an endpoint error without a message");
  }
  check(parsed.has_value() == ref.valid, "parse accepts what the syntax refuses, or the reverse");
  if (!parsed) {
    return;
  }
  check(parsed->text == text, "the description's text is not the input");
  check(parsed->type == ref.type && parsed->args == ref.args && parsed->kwargs == ref.kwargs,
        "parse splits the description differently from the documented syntax");
  const torsion::EndpointDescription again = torsion::EndpointDescription::parse(join(*parsed));
  check(same(again, *parsed), "a re-quoted description parses differently");
}

void fuzzQuote(std::string_view text) {
  const std::string description = "t:" + torsion::quoteEndpointArgument(text);
  const torsion::EndpointDescription d = torsion::EndpointDescription::parse(description);
  check(d.type == "t" && d.args.size() == 1 && d.args[0] == text && d.kwargs.empty(),
        "a quoted text is not one part holding that text");
}

class Idle final : public torsion::Protocol {};

torsion::EndpointReactors reactorsFor(torsion::testing::MemoryReactor& reactor, bool bare) {
  if (bare) {
    return {nullptr, nullptr};
  }
  return reactor;
}

void fuzzServer(std::string_view text, bool bare) {
  torsion::testing::MemoryReactor reactor;
  std::unique_ptr<torsion::IStreamServerEndpoint> endpoint;
  try {
    endpoint = torsion::serverFromString(reactorsFor(reactor, bare), text);
  } catch (const torsion::ValueError& e) {
    check(*e.what() != '\0', "an endpoint error without a message");
    return;
  }
  check(endpoint != nullptr, "serverFromString returned no endpoint");
  endpoint->listen(torsion::Factory::forProtocol<Idle>());
  check(reactor.tcpServers().size() + reactor.unixServers().size() == 1,
        "listen did not reach the reactor exactly once");
}

void fuzzClient(std::string_view text, bool bare) {
  torsion::testing::MemoryReactor reactor;
  std::unique_ptr<torsion::IStreamClientEndpoint> endpoint;
  try {
    endpoint = torsion::clientFromString(reactorsFor(reactor, bare), text);
  } catch (const torsion::ValueError& e) {
    check(*e.what() != '\0', "an endpoint error without a message");
    return;
  }
  check(endpoint != nullptr, "clientFromString returned no endpoint");
  endpoint->connect(
      torsion::Factory::forProtocol<Idle>(), [](torsion::Protocol&) {},
      [](const torsion::Failure&) {});
  check(reactor.tcpClients().size() + reactor.unixClients().size() == 1,
        "connect did not reach the reactor exactly once");
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer fixes the name.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  torsion::fuzz::FuzzInput input(data, size);
  const std::uint8_t mode = input.takeByte();
  const bool bare = (mode & 0x10U) != 0;
  const std::string_view text = input.takeRest();
  // Anything but a ValueError escaping is a bug: it reaches std::terminate, which aborts.
  switch (mode % 4) {
    case 0:
      fuzzParse(text);
      break;
    case 1:
      fuzzServer(text, bare);
      break;
    case 2:
      fuzzClient(text, bare);
      break;
    default:
      fuzzQuote(text);
      break;
  }
  return 0;
}
