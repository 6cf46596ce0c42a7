// `lkmemu --version`: the project's version (CMake's project(VERSION)) and the CPU engine's.
#pragma once

#include <string>

namespace lkmemu::cli {

// "lkmemu 0.1 (Unicorn 2.1.4)": Unicorn's as the linked library reports it (uc_version).
std::string version_text();

} // namespace lkmemu::cli
