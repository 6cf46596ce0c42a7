// HarnessData: the data of one harness request (an insmod's module file), which the guest reads
// piecewise with GET_DATA straight into its memory (abi/lkmemu/harness.h). The host never holds
// the whole of it: a file is read where it lies, when the guest's kernel asks.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace lkmemu {

class HarnessData {
public:
    virtual ~HarnessData() = default;
    virtual uint64_t size() const = 0;
    // Up to out.size() bytes from offset into out: the number copied (0 at the end), or a
    // negative errno.
    virtual int64_t read_at(uint64_t offset, std::span<uint8_t> out) const = 0;
};

// Data held in memory (small requests, tests).
class HarnessBytes final : public HarnessData {
public:
    explicit HarnessBytes(std::vector<uint8_t> bytes) : m_bytes(std::move(bytes)) {}
    uint64_t size() const override { return m_bytes.size(); }
    int64_t read_at(uint64_t offset, std::span<uint8_t> out) const override
    {
        if (offset >= m_bytes.size())
            return 0;
        size_t n = std::min<uint64_t>(out.size(), m_bytes.size() - offset);
        std::copy_n(m_bytes.begin() + static_cast<std::ptrdiff_t>(offset), n, out.begin());
        return static_cast<int64_t>(n);
    }

private:
    std::vector<uint8_t> m_bytes;
};

} // namespace lkmemu
