#include <utility>

#include <torsion/transports/factory.hpp>

namespace torsion {

namespace {

class FunctionFactory final : public Factory {
 public:
  explicit FunctionFactory(UniqueFunction<std::unique_ptr<Protocol>(const Address&)> make)
      : make_(std::move(make)) {}

  std::unique_ptr<Protocol> buildProtocol(const Address& addr) override { return make_(addr); }

 private:
  UniqueFunction<std::unique_ptr<Protocol>(const Address&)> make_;
};

}  // namespace

void Factory::doStart() {
  if (numPorts_ == 0) {
    startFactory();
  }
  ++numPorts_;
}

void Factory::doStop() {
  if (numPorts_ == 0) {
    return;  // unbalanced; Twisted asserts, we tolerate
  }
  --numPorts_;
  if (numPorts_ == 0) {
    stopFactory();
  }
}

std::shared_ptr<Factory> Factory::fromFunction(
    UniqueFunction<std::unique_ptr<Protocol>(const Address&)> make) {
  return std::make_shared<FunctionFactory>(std::move(make));
}

}  // namespace torsion
