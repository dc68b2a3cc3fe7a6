#include <charconv>
#include <map>
#include <mutex>
#include <type_traits>
#include <utility>

#include <fmt/format.h>

#include <torsion/transports/endpoints.hpp>
#include <torsion/transports/errors.hpp>

#include "endpoint_client_factory.hpp"

namespace torsion {

// ---- parsing ----------------------------------------------------------------------------------

EndpointDescription EndpointDescription::parse(std::string_view description) {
  EndpointDescription out;
  out.text = std::string(description);
  if (description.empty()) {
    throw EndpointParseError("empty endpoint description");
  }
  std::vector<std::pair<std::string, std::optional<std::string>>> parts;
  std::string current;
  std::optional<std::string> value;  // set once an unescaped '=' was seen in this part
  auto flush = [&parts, &current, &value] {
    parts.emplace_back(std::exchange(current, {}), std::exchange(value, std::nullopt));
  };
  for (std::size_t i = 0; i < description.size(); ++i) {
    const char c = description[i];
    std::string& target = value ? *value : current;
    if (c == '\\') {
      if (i + 1 == description.size()) {
        throw EndpointParseError(
            fmt::format("endpoint '{}': trailing backslash escapes nothing", description));
      }
      target.push_back(description[++i]);
    } else if (c == ':') {
      flush();
    } else if (c == '=' && !value) {
      value.emplace();
    } else {
      target.push_back(c);
    }
  }
  flush();
  // The first positional part is the type even when it is empty (":tcp:80" names no type,
  // as in Twisted), so an empty type is reported instead of the next part taking its place.
  bool typeSeen = false;
  for (auto& [key, val] : parts) {
    if (val) {
      out.kwargs.emplace_back(std::move(key), std::move(*val));
    } else if (!typeSeen) {
      out.type = std::move(key);
      typeSeen = true;
    } else {
      out.args.push_back(std::move(key));
    }
  }
  if (out.type.empty()) {
    throw EndpointParseError(fmt::format("endpoint '{}': no endpoint type", description));
  }
  return out;
}

std::optional<std::string> EndpointDescription::get(std::string_view key) const {
  for (const auto& [k, v] : kwargs) {
    if (k == key) {
      return v;
    }
  }
  return std::nullopt;
}

std::string quoteEndpointArgument(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == ':' || c == '=' || c == '\\') {
      out.push_back('\\');
    }
    out.push_back(c);
  }
  return out;
}

namespace {

[[noreturn]] void bad(const EndpointDescription& d, const std::string& what) {
  throw EndpointParseError(fmt::format("endpoint '{}': {}", d.text, what));
}

void checkKeys(const EndpointDescription& d, std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : d.kwargs) {
    bool known = false;
    for (const std::string_view a : allowed) {
      known = known || key == a;
    }
    if (!known) {
      bad(d, fmt::format("unknown parameter '{}' for type '{}'", key, d.type));
    }
  }
}

template <class T>
T number(const EndpointDescription& d, std::string_view name, const std::string& text,
         int base = 10) {
  T value{};
  std::from_chars_result result{};
  if constexpr (std::is_floating_point_v<T>) {
    (void)base;
    result = std::from_chars(text.data(), text.data() + text.size(), value);
  } else {
    result = std::from_chars(text.data(), text.data() + text.size(), value, base);
  }
  const auto [end, ec] = result;
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) {
    bad(d, fmt::format("bad {} '{}'", name, text));
  }
  return value;
}

// A value given positionally (at `index`) or as `key=`; the two must not both appear.
std::optional<std::string> positionalOr(const EndpointDescription& d, std::size_t index,
                                        std::initializer_list<std::string_view> keys) {
  std::optional<std::string> value;
  for (const std::string_view key : keys) {
    if (auto v = d.get(key)) {
      value = std::move(v);
    }
  }
  if (index < d.args.size()) {
    if (value) {
      bad(d, fmt::format("'{}' given both positionally and by name", *keys.begin()));
    }
    value = d.args[index];
  }
  return value;
}

void checkPositionals(const EndpointDescription& d, std::size_t most) {
  if (d.args.size() > most) {
    bad(d, fmt::format("unexpected extra part '{}'", d.args[most]));
  }
}

std::uint16_t portOf(const EndpointDescription& d, const std::optional<std::string>& text) {
  if (!text) {
    bad(d, "missing port");
  }
  return number<std::uint16_t>(d, "port", *text);
}

Seconds timeoutOf(const EndpointDescription& d) {
  const auto text = d.get("timeout");
  if (!text) {
    return std::chrono::seconds{30};
  }
  const double seconds = number<double>(d, "timeout", *text);
  if (!(seconds >= 0)) {
    bad(d, fmt::format("bad timeout '{}'", *text));
  }
  return Seconds{seconds};
}

// '@name' in a description is an abstract-namespace socket, '\0name' to the API.
std::string unixPath(const std::string& text) {
  if (text.empty() || text.front() != '@') {
    return text;
  }
  std::string path(1, '\0');
  path.append(text, 1);
  return path;
}

std::unique_ptr<IStreamServerEndpoint> tcpServer(EndpointReactors reactors,
                                                 const EndpointDescription& d, bool ipv6) {
  checkKeys(d, {"port", "interface", "backlog"});
  checkPositionals(d, 1);
  if (reactors.tcp == nullptr) {
    bad(d, "this reactor has no TCP support");
  }
  const std::uint16_t port = portOf(d, positionalOr(d, 0, {"port"}));
  const int backlog = d.get("backlog") ? number<int>(d, "backlog", *d.get("backlog")) : 50;
  std::string interface = d.get("interface").value_or(ipv6 ? "::" : "");
  return std::make_unique<TCPServerEndpoint>(*reactors.tcp, port, backlog, std::move(interface));
}

std::unique_ptr<IStreamServerEndpoint> unixServer(EndpointReactors reactors,
                                                  const EndpointDescription& d) {
  checkKeys(d, {"address", "path", "mode", "backlog", "lockfile", "wantPID"});
  checkPositionals(d, 1);
  if (reactors.unixSockets == nullptr) {
    bad(d, "this reactor has no UNIX socket support");
  }
  const auto path = positionalOr(d, 0, {"address", "path"});
  if (!path || path->empty()) {
    bad(d, "missing socket path");
  }
  const unsigned mode = d.get("mode") ? number<unsigned>(d, "mode", *d.get("mode"), 8) : 0666U;
  const int backlog = d.get("backlog") ? number<int>(d, "backlog", *d.get("backlog")) : 50;
  return std::make_unique<UNIXServerEndpoint>(*reactors.unixSockets, unixPath(*path), backlog,
                                              mode);
}

std::unique_ptr<IStreamClientEndpoint> tcpClient(EndpointReactors reactors,
                                                 const EndpointDescription& d) {
  checkKeys(d, {"host", "port", "timeout", "bindAddress"});
  checkPositionals(d, 2);
  if (reactors.tcp == nullptr) {
    bad(d, "this reactor has no TCP support");
  }
  const auto host = positionalOr(d, 0, {"host"});
  if (!host || host->empty()) {
    bad(d, "missing host");
  }
  const std::uint16_t port = portOf(d, positionalOr(d, 1, {"port"}));
  std::optional<Address> bindAddress;
  if (auto bind = d.get("bindAddress")) {
    // "host" or "host:port" (the ':' escaped in the description).
    std::string bindHost = *bind;
    std::uint16_t bindPort = 0;
    if (const auto colon = bind->rfind(':');
        colon != std::string::npos && bind->find(':') == colon) {
      bindHost = bind->substr(0, colon);
      bindPort = number<std::uint16_t>(d, "bindAddress port", bind->substr(colon + 1));
    }
    if (bindHost.find(':') != std::string::npos) {
      bindAddress = Address::ipv6(bindHost, bindPort);
    } else {
      bindAddress = Address::ipv4(bindHost, bindPort);
    }
  }
  return std::make_unique<TCPClientEndpoint>(*reactors.tcp, *host, port, timeoutOf(d),
                                             std::move(bindAddress));
}

std::unique_ptr<IStreamClientEndpoint> unixClient(EndpointReactors reactors,
                                                  const EndpointDescription& d) {
  checkKeys(d, {"path", "address", "timeout", "checkPID"});
  checkPositionals(d, 1);
  if (reactors.unixSockets == nullptr) {
    bad(d, "this reactor has no UNIX socket support");
  }
  const auto path = positionalOr(d, 0, {"path", "address"});
  if (!path || path->empty()) {
    bad(d, "missing socket path");
  }
  return std::make_unique<UNIXClientEndpoint>(*reactors.unixSockets, unixPath(*path), timeoutOf(d));
}

// The registries: built-in types first, user types added at run time.
class Registry {
 public:
  static Registry& instance() {
    static Registry registry;
    return registry;
  }

  std::mutex mutex;
  std::map<std::string, ServerEndpointParser, std::less<>> servers;
  std::map<std::string, ClientEndpointParser, std::less<>> clients;

 private:
  Registry() {
    servers.emplace("tcp", [](EndpointReactors r, const EndpointDescription& d) {
      return tcpServer(r, d, false);
    });
    servers.emplace("tcp6", [](EndpointReactors r, const EndpointDescription& d) {
      return tcpServer(r, d, true);
    });
    servers.emplace("unix", &unixServer);
    clients.emplace("tcp", &tcpClient);
    clients.emplace("tcp6", &tcpClient);
    clients.emplace("unix", &unixClient);
  }
};

template <class Map>
auto& findParser(Map& map, const EndpointDescription& d, const char* kind) {
  auto it = map.find(d.type);
  if (it == map.end()) {
    std::string known;
    for (const auto& [name, parser] : map) {
      known += known.empty() ? name : ", " + name;
    }
    bad(d, fmt::format("unknown {} endpoint type '{}' (known: {})", kind, d.type, known));
  }
  return it->second;
}

}  // namespace

std::unique_ptr<IStreamServerEndpoint> serverFromString(EndpointReactors reactors,
                                                        std::string_view description) {
  const EndpointDescription d = EndpointDescription::parse(description);
  Registry& registry = Registry::instance();
  std::unique_lock lock(registry.mutex);
  auto& parser = findParser(registry.servers, d, "server");
  lock.unlock();  // parsers are never removed, only replaced before use
  return parser(reactors, d);
}

std::unique_ptr<IStreamClientEndpoint> clientFromString(EndpointReactors reactors,
                                                        std::string_view description) {
  const EndpointDescription d = EndpointDescription::parse(description);
  Registry& registry = Registry::instance();
  std::unique_lock lock(registry.mutex);
  auto& parser = findParser(registry.clients, d, "client");
  lock.unlock();
  return parser(reactors, d);
}

void registerServerEndpointType(std::string type, ServerEndpointParser parser) {
  Registry& registry = Registry::instance();
  const std::lock_guard lock(registry.mutex);
  registry.servers.insert_or_assign(std::move(type), std::move(parser));
}

void registerClientEndpointType(std::string type, ClientEndpointParser parser) {
  Registry& registry = Registry::instance();
  const std::lock_guard lock(registry.mutex);
  registry.clients.insert_or_assign(std::move(type), std::move(parser));
}

// ---- the endpoints ----------------------------------------------------------------------------

IListeningPort& TCPServerEndpoint::listen(std::shared_ptr<Factory> factory) {
  return reactor_->listenTCP(port_, std::move(factory), backlog_, interface_);
}

IListeningPort& UNIXServerEndpoint::listen(std::shared_ptr<Factory> factory) {
  return reactor_->listenUNIX(path_, std::move(factory), backlog_, mode_);
}

IConnector& TCPClientEndpoint::connect(std::shared_ptr<Factory> factory,
                                       ConnectedCallback onConnected, FailedCallback onFailed) {
  return reactor_->connectTCP(host_, port_,
                              std::make_shared<detail::EndpointClientFactory>(
                                  std::move(factory), std::move(onConnected), std::move(onFailed)),
                              timeout_, bindAddress_);
}

IConnector& UNIXClientEndpoint::connect(std::shared_ptr<Factory> factory,
                                        ConnectedCallback onConnected, FailedCallback onFailed) {
  return reactor_->connectUNIX(path_,
                               std::make_shared<detail::EndpointClientFactory>(
                                   std::move(factory), std::move(onConnected), std::move(onFailed)),
                               timeout_);
}

}  // namespace torsion
