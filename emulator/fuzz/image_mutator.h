// Mutations of a module image for the whole-system fuzzer (docs/loader.md, "Whole-system
// fuzzing"): ELF-aware edits that reach past the loader's first checks — section header fields,
// relocation entries, symbols, .modinfo strings — plus raw byte flips, truncation, and the module
// parameters insmod passes. Every choice comes from a seeded generator, so iteration I of seed S
// is the same image and the same parameters on every run (a finding replays).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu::fuzz {

// splitmix64: small, fast, and the same sequence on every host.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t next()
    {
        uint64_t z = (m_state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t bound) { return bound ? next() % bound : 0; } // [0, bound)
    bool one_in(uint64_t n) { return below(n) == 0; }

private:
    uint64_t m_state;
};

// A valid module to start from, with what the mutator aims at.
struct SeedModule {
    std::string name;                 // "hello", from the file name
    std::vector<uint8_t> image;       // the .ko as built
    std::vector<std::string> params;  // its parameters' names, from .modinfo's parmtype= entries
};

struct MutatedInput {
    std::vector<uint8_t> image;
    std::vector<std::string> params; // insmod's PARAM=VALUE words
    std::vector<std::string> steps;  // what was done, one line per mutation (for the finding)
};

SeedModule make_seed(std::string name, std::vector<uint8_t> image);

// One input from `seed`: one to four mutations of the image (or none, with odd parameters only).
MutatedInput mutate(const SeedModule& seed, Rng& rng);

} // namespace lkmemu::fuzz
