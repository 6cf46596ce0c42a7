// What the tests that run on the build's default initramfs share: its path, a session on it (with
// a snapshot before every guest request, as run_observed), a member read from the archive on the
// host, and whether it carries busybox (it does when the build host had Debian's busybox-static).
#pragma once

#include "module_support.h"
#include "session.h"

#include <lkmemu/module_abi.h>

#include <memory>
#include <string>
#include <vector>

namespace lkmemu::testing {

inline const std::string default_image = LKMEMU_INITRAMFS_PATH;
inline const std::string modules_dir = "/lib/modules/" + std::string(LKM_UTS_RELEASE);

inline ObservedSession run_on_initramfs(const std::string& commands)
{
    auto snapshots = std::make_shared<std::vector<Snapshot>>();
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.initrd = default_image;
    options.commands = commands;
    options.before_request = [snapshots](Machine& machine) { snapshots->push_back(take_snapshot(machine)); };
    ObservedSession observed { run_session(std::move(options)) };
    observed.snapshots = std::move(*snapshots);
    return observed;
}

// The data of `path` inside a newc archive, read on the host.
inline std::string member_of(const std::string& archive, const std::string& path)
{
    for (size_t at = 0; at + 110 <= archive.size();) {
        auto field = [&](int i) { return std::stoul(archive.substr(at + 6 + i * 8, 8), nullptr, 16); };
        size_t const name_size = field(11), size = field(6);
        std::string const name = archive.substr(at + 110, name_size - 1);
        size_t const data_at = (at + 110 + name_size + 3) & ~size_t(3);
        if (name == path)
            return archive.substr(data_at, size);
        if (name == "TRAILER!!!")
            break;
        at = (data_at + size + 3) & ~size_t(3);
    }
    FAIL("no " << path << " in the archive");
    return "";
}

inline bool image_has_busybox()
{
    static const bool has = read_bytes(default_image).find("bin/busybox") != std::string::npos;
    return has;
}

} // namespace lkmemu::testing
