// Shared by the initramfs tests (initramfs_cpio_test.cpp: the newc reader;
// initramfs_unpack_test.cpp: the unpacker): a newc archive writer, a sample archive's members,
// and the error text populate_rootfs would print.
#pragma once

#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include <kernel/initramfs.h>
#include <loader/error_or.h>

namespace initramfs_test {

// --- A newc writer -------------------------------------------------------------------------------
struct Member {
    std::string name;
    unsigned mode;
    std::string data = "";
    unsigned ino = 0, nlink = 1, rdev_major = 0, rdev_minor = 0, uid = 0, gid = 0, mtime = 0;
};

inline void pad(std::string& s)
{
    while (s.size() % 4)
        s += '\0';
}

inline std::string header(const char* magic, const Member& m, size_t name_size, unsigned check)
{
    char h[111];
    std::snprintf(h, sizeof h, "%s%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", magic, m.ino, m.mode, m.uid,
                  m.gid, m.nlink, m.mtime, m.data.size(), 0u, 0u, m.rdev_major, m.rdev_minor, name_size, check);
    return std::string(h, 110);
}

inline std::string newc(const std::vector<Member>& members, bool trailer = true, const char* magic = "070701")
{
    std::string out;
    unsigned ino = 1;
    for (Member m : members) {
        if (!m.ino)
            m.ino = ino++;
        unsigned sum = 0;
        for (unsigned char c : m.data)
            sum += c;
        out += header(magic, m, m.name.size() + 1, magic[5] == '2' ? sum : 0);
        out += m.name;
        out += '\0';
        pad(out);
        out += m.data;
        pad(out);
    }
    if (trailer) {
        out += header(magic, Member { "TRAILER!!!", 0, "", 0, 1 }, 11, 0);
        out += "TRAILER!!!";
        out += '\0';
        pad(out);
    }
    return out;
}

inline const std::vector<Member> sample = {
    { ".", 0040755 },
    { "etc", 0040755, "", 0, 2, 0, 0, 0, 0, 1700000000 },
    { "etc/hostname", 0100644, "lkmemu\n", 0, 1, 0, 0, 0, 0, 1700000001 },
    { "bin", 0040755 },
    { "bin/sh", 0120777, "busybox" },
    { "dev/console", 0020600, "", 0, 1, 5, 1 },
    { "/tmp", 0041777, "", 0, 1, 0, 0, 1000, 100 },
};

inline const u8* bytes(const std::string& s) { return reinterpret_cast<const u8*>(s.data()); }



// "reason" or "context: reason", as populate_rootfs prints it after "Initramfs unpacking failed: ".
template<typename T> std::string message(const lkm::ErrorOr<T>& result)
{
    REQUIRE(result.is_error());
    const lkm::Error& e = result.error();
    return e.context[0] ? std::string(e.context) + ": " + e.reason : std::string(e.reason);
}


} // namespace initramfs_test
