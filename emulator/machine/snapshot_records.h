// The snapshot's state records, private to machine/ (docs/machine.md, "Snapshots"): what the file
// format (snapshot_format.cpp) needs from snapshot_records.cpp, which writes a MachineState as
// tagged, length-prefixed records and reads them back.
#pragma once

#include "machine/snapshot.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lkmemu {

// The state records of `state`, one after another, as they go in the file.
std::vector<uint8_t> encode_state(const MachineState& state);

// Decodes `records` (all of them, as encode_state wrote them) into `state`, which starts empty.
// Returns the reason they do not make a machine state (unknown, malformed, cut short or missing
// record), or nothing.
std::optional<std::string> decode_state(std::span<const uint8_t> records, MachineState& state);

} // namespace lkmemu
