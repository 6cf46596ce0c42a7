// The kernel's assembly memset and memcpy (guest-kernel/arch/x86_64/lib/memset_64.S and
// memcpy_64.S), assembled for the host under the names kernel_memset and kernel_memcpy, checked
// against the C library's on a separate buffer: every length through the 64-byte, 8-byte and byte
// loops and a few large ones, at every alignment, with guard bytes on both sides.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

extern "C" void* kernel_memset(void* dst, int c, size_t n);
extern "C" void* kernel_memcpy(void* dst, const void* src, size_t n);

namespace {

constexpr size_t guard_size = 64;
constexpr size_t max_misalignment = 15;

// Every length up to past four trips of the 64-byte loop, then sizes that run it many times.
std::vector<size_t> lengths_to_test()
{
    std::vector<size_t> lengths;
    for (size_t n = 0; n <= 300; n++)
        lengths.push_back(n);
    for (size_t n : { size_t { 4096 }, size_t { 4096 * 3 + 17 }, size_t { 1 } << 20 })
        lengths.push_back(n);
    return lengths;
}

// `length` bytes with `guard_size` guard bytes either side, placed at a chosen distance past a
// 64-byte boundary. The whole window, guards included, starts from a pattern that differs from
// byte to byte (and from seed to seed), so a misplaced, shifted or stray write shows up.
class GuardedBuffer {
public:
    GuardedBuffer(size_t length, uint8_t seed)
        : m_length(length)
        , m_pattern(length + 2 * guard_size)
        , m_storage(m_pattern.size() + 64 + max_misalignment)
    {
        for (size_t i = 0; i < m_pattern.size(); i++)
            m_pattern[i] = static_cast<uint8_t>(seed + i * 37 + (i >> 8));
    }

    // Puts the buffer `misalignment` bytes past a 64-byte boundary and restores the pattern.
    void reset(size_t misalignment)
    {
        auto const base = reinterpret_cast<uintptr_t>(m_storage.data()) + guard_size;
        auto const aligned = (base + 63) & ~uintptr_t { 63 };
        m_data = reinterpret_cast<uint8_t*>(aligned + misalignment);
        std::memcpy(window(), m_pattern.data(), m_pattern.size());
    }

    uint8_t* data() const { return m_data; }

    // Empty when both windows hold the same bytes, else where the first difference is.
    std::string first_difference(const GuardedBuffer& expected) const
    {
        if (std::memcmp(window(), expected.window(), m_pattern.size()) == 0)
            return {};
        for (size_t i = 0; i < m_pattern.size(); i++) {
            if (window()[i] == expected.window()[i])
                continue;
            std::ostringstream out;
            auto const offset = static_cast<ptrdiff_t>(i) - static_cast<ptrdiff_t>(guard_size);
            if (offset < 0)
                out << "guard byte " << -offset << " before the buffer";
            else if (static_cast<size_t>(offset) >= m_length)
                out << "guard byte " << offset - static_cast<ptrdiff_t>(m_length) << " after the buffer";
            else
                out << "buffer byte " << offset;
            out << std::hex << ": 0x" << int { window()[i] } << ", expected 0x" << int { expected.window()[i] };
            return out.str();
        }
        return {};
    }

private:
    uint8_t* window() const { return m_data - guard_size; }

    size_t m_length;
    std::vector<uint8_t> m_pattern;
    std::vector<uint8_t> m_storage;
    uint8_t* m_data = nullptr;
};

} // namespace

TEST_CASE("kernel memset fills exactly n bytes with the low byte of c, at every length and alignment")
{
    // 0x1234 and -200 (0x...ff38) check that only the low byte of c is stored.
    std::initializer_list<int> const fill_values { 0, 0x5a, 0xff, 0x1234, -200 };
    for (size_t length : lengths_to_test()) {
        GuardedBuffer actual(length, 0xa0);
        GuardedBuffer expected(length, 0xa0);
        for (size_t misalignment = 0; misalignment <= max_misalignment; misalignment++) {
            for (int c : fill_values) {
                INFO("length " << length << ", destination misalignment " << misalignment << ", c " << c);
                actual.reset(misalignment);
                expected.reset(misalignment);
                std::memset(expected.data(), c, length);
                REQUIRE(kernel_memset(actual.data(), c, length) == actual.data());
                REQUIRE(actual.first_difference(expected) == "");
            }
        }
    }
}

TEST_CASE("kernel memcpy copies exactly n bytes at every length and alignment, leaving the source as it was")
{
    for (size_t length : lengths_to_test()) {
        GuardedBuffer source(length, 0x11);
        GuardedBuffer untouched_source(length, 0x11);
        GuardedBuffer actual(length, 0xa0);
        GuardedBuffer expected(length, 0xa0);
        for (size_t destination_misalignment = 0; destination_misalignment <= max_misalignment; destination_misalignment++) {
            for (size_t source_misalignment = 0; source_misalignment <= max_misalignment; source_misalignment++) {
                INFO("length " << length << ", destination misalignment " << destination_misalignment
                               << ", source misalignment " << source_misalignment);
                source.reset(source_misalignment);
                untouched_source.reset(source_misalignment);
                actual.reset(destination_misalignment);
                expected.reset(destination_misalignment);
                std::memcpy(expected.data(), source.data(), length);
                REQUIRE(kernel_memcpy(actual.data(), source.data(), length) == actual.data());
                REQUIRE(actual.first_difference(expected) == "");
                REQUIRE(source.first_difference(untouched_source) == "");
            }
        }
    }
}
