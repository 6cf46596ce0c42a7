#include "version.h"

#include <fmt/format.h>
#include <unicorn/unicorn.h>

#ifndef LKMEMU_VERSION
#error "LKMEMU_VERSION is set by emulator/cli/CMakeLists.txt"
#endif

namespace lkmemu::cli {

std::string version_text()
{
    // uc_version returns major << 24 | minor << 16 | patch << 8 | extra.
    unsigned const packed = uc_version(nullptr, nullptr);
    return fmt::format("lkmemu {} (Unicorn {}.{}.{})", LKMEMU_VERSION, (packed >> 24) & 0xff, (packed >> 16) & 0xff,
                       (packed >> 8) & 0xff);
}

} // namespace lkmemu::cli
