// A finding of the whole-system fuzzer, written so that it replays: the input image, a script
// for `lkmemu run --script` that does what the round did (the snapshot the round started from is
// the state right after boot, so a fresh boot is the same start), and a description with the
// fuzzer's own replay line (`--seed S --only I`).
#pragma once

#include "image_mutator.h"
#include "live_kernel.h"

#include <support/result.h>

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu::fuzz {

struct Finding {
    uint64_t seed = 0, iteration = 0;
    std::string module; // the seed module the input was made from
    std::vector<std::string> modules; // all the fuzzer's seed modules (its --module list)
    const MutatedInput* input = nullptr;
    const RoundOutcome* outcome = nullptr;
};

// Writes DIR/seedS-iterI-KIND.{ko,cmds,txt}; returns the description's path.
Result<std::string> write_finding(const std::string& dir, const Finding&);

// A word as the harness's command parser reads it back (emulator/harness/command.h): characters
// other than letters, digits and a few safe ones are escaped with '\'.
std::string harness_quote(const std::string& word);

} // namespace lkmemu::fuzz
