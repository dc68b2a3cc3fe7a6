#pragma once

// The recording receivers shared by the LineReceiver and LineOnlyReceiver tests, so that the
// contract the two classes share is stated once (line_receivers_contract_test.cpp) over both.

#include <string>
#include <string_view>
#include <vector>

#include <torsion/protocols/line_only_receiver.hpp>
#include <torsion/protocols/line_receiver.hpp>

namespace torsion::test {

/// A `Receiver` (LineReceiver or LineOnlyReceiver) that records every line and every over-long
/// line, then lets the receiver's own lineLengthExceeded drop the connection as it would.
template <class Receiver>
class LineRecorder : public Receiver {
 public:
  using Receiver::Receiver;

  void lineReceived(std::string_view line) override { lines.emplace_back(line); }

  void lineLengthExceeded(std::string_view line) override {
    tooLong.emplace_back(line);
    Receiver::lineLengthExceeded(line);
  }

  std::vector<std::string> lines;
  std::vector<std::string> tooLong;
};

/// A LineRecorder for LineReceiver that also keeps the raw-mode bytes, in arrival order.
class LineReceiverRecorder : public LineRecorder<LineReceiver> {
 public:
  using LineRecorder<LineReceiver>::LineRecorder;

  void rawDataReceived(std::string_view data) override { raw.append(data); }

  std::string raw;
};

}  // namespace torsion::test
