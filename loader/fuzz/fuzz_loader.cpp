// libFuzzer target: the whole loader pipeline on arbitrary bytes, under ASan and UBSan. Any read
// outside the input, any overflow, any crash is a finding. Imports resolve deterministically from
// their names (some missing, some GPL-only, some far away) so every symbol path is reachable.
#include <loader/loader.h>
#include <loader/tools/host_memory.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

class HashResolver final : public lkm::SymbolResolver {
public:
    lkm::ErrorOr<lkm::ResolvedSymbol> resolve(const char* name) override
    {
        uint64_t h = 1469598103934665603ull;
        for (const char* p = name; *p; ++p)
            h = (h ^ static_cast<uint8_t>(*p)) * 1099511628211ull;
        switch (h % 8) {
        case 0:
            return lkm::Error::from_errno(LKM_ENOENT, "fuzz: not exported");
        case 1:
            return lkm::ResolvedSymbol { lkm::tools::trial_kernel_base + (h & 0xffff), true };
        case 2:
            return lkm::ResolvedSymbol { 0xffff888000000000ull + (h & 0xffff), false }; // out of PC32 reach
        default:
            return lkm::ResolvedSymbol { lkm::tools::trial_kernel_base + (h & 0xfffff), false };
        }
    }
};

// Module memory as the host tools give it, but refusing regions over 64 MiB as a kernel out of
// module space would: a hostile .bss may ask for up to the loader's 512 MiB limit per region,
// which would only measure the fuzzer's RSS limit.
class BoundedMemory final : public lkm::ModuleMemoryProvider {
public:
    lkm::ErrorOr<lkm::ModuleMemory> allocate_region(lkm::Region region, size_t size) override
    {
        if (size > (64u << 20))
            return lkm::Error::from_errno(LKM_ENOMEM, "fuzz: module area full");
        return m_memory.allocate_region(region, size);
    }
    void free_region(lkm::Region region, const lkm::ModuleMemory& memory) override { m_memory.free_region(region, memory); }

private:
    lkm::tools::TrialModuleMemory m_memory;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // The loader wants an 8-byte aligned image; an exact-size heap copy keeps ASan's redzone right
    // after the last byte.
    void* image = std::aligned_alloc(8, (size + 7) & ~size_t(7));
    if (!image && size)
        return 0;
    if (size)
        std::memcpy(image, data, size);

    lkm::tools::MallocAllocator allocator;
    BoundedMemory memory;
    HashResolver resolver;
    {
        lkm::load_info info(image, size, allocator);
        auto result = lkm::link_module(info, memory, resolver);
        if (info.validated && info.index.info) {
            size_t total = 0;
            lkm::for_each_modinfo(info, [&](const char* key, size_t key_length, const char* value) {
                total += key_length + std::strlen(value);
            });
            (void)lkm::get_modinfo(info, "license");
        }
        if (!result.is_error()) {
            for (size_t i = 0; i < info.num_exports + info.num_gpl_exports; ++i) {
                auto symbol = lkm::module_export(info, i);
                if (!symbol.is_error())
                    (void)std::strlen(symbol.value().name);
            }
        }
    }
    std::free(image);
    return 0;
}
