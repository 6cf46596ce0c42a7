#include "cpu/fault_marker.h"

#include "cpu/x86.h"

#include <fmt/format.h>

#include <cstring>
#include <vector>

namespace lkmemu {

namespace {

std::vector<uint8_t> blob_bytes(uc_context* context, size_t size)
{
    auto const* p = reinterpret_cast<const uint8_t*>(context);
    return std::vector<uint8_t>(p, p + size);
}

int32_t int32_at(const std::vector<uint8_t>& blob, size_t offset)
{
    int32_t v;
    std::memcpy(&v, blob.data() + offset, 4);
    return v;
}

void poke_int32(uc_context* context, size_t offset, int32_t value)
{
    std::memcpy(reinterpret_cast<uint8_t*>(context) + offset, &value, 4);
}

// One #GP(selector) from `mov ds, [rip+...]`: returns the blob before and after, and the vector
// the engine reported.
struct Shot {
    std::vector<uint8_t> before, after;
    uint8_t vector = 0;
};

constexpr uint64_t code_offset = 0x0, data_offset = 0x800, gdt_offset = 0x400;

Result<Shot> take_shot(uc_engine* uc, uc_context* context, size_t size, std::span<uint8_t> ram,
                       uint64_t page, uint16_t selector, EventLatch& latch)
{
    std::memcpy(ram.data() + page + data_offset, &selector, 2);
    Shot shot;
    LKMEMU_TRY(uc_check(uc_context_save(uc, context), "calibration: uc_context_save"));
    shot.before = blob_bytes(context, size);
    latch.clear();
    uint64_t const start = page + code_offset;
    uc_err const err = uc_emu_start(uc, start, start + 6, 0, 0);
    if (!latch.event)
        return make_error(fmt::format("calibration: the scratch `mov ds` raised no exception ({})", uc_strerror(err)));
    shot.vector = latch.event->vector;
    LKMEMU_TRY(uc_check(uc_context_save(uc, context), "calibration: uc_context_save"));
    shot.after = blob_bytes(context, size);
    return shot;
}

} // namespace

Result<FaultMarker> FaultMarker::calibrate(uc_engine* uc, std::span<uint8_t> ram, uint64_t page, EventLatch& latch)
{
    uc_context* raw = nullptr;
    LKMEMU_TRY(uc_check(uc_context_alloc(uc, &raw), "calibration: uc_context_alloc"));
    UcContextPtr context(raw);
    size_t const size = uc_context_size(uc);

    // 0x000: mov ds, word [rip + 0x7fa]   ; 8e 1d fa 07 00 00 -> selector at 0x800
    // 0x006: hlt                          ; f4 (never reached)
    static constexpr uint8_t program[] = { 0x8e, 0x1d, 0xfa, 0x07, 0x00, 0x00, 0xf4 };
    std::memset(ram.data() + page, 0, 4096);
    std::memcpy(ram.data() + page + code_offset, program, sizeof program);
    // A GDT of three null descriptors: selectors 0x1238 and 0x2340 are past its limit -> #GP(sel).
    uc_x86_mmr gdtr { 0, page + gdt_offset, 0x17, 0 };
    LKMEMU_TRY(uc_check(uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr), "calibration: writing GDTR"));

    constexpr uint16_t first_selector = 0x1238, second_selector = 0x2340;
    auto first = LKMEMU_TRY(take_shot(uc, context.get(), size, ram, page, first_selector, latch));
    if (first.vector != x86::vector::general_protection)
        return make_error(fmt::format("calibration: expected #GP (13) from a bad selector, engine reported vector {}", first.vector));

    std::vector<size_t> marker_candidates, error_candidates;
    for (size_t offset = 0; offset + 4 <= size; offset += 4) {
        int32_t const before = int32_at(first.before, offset), after = int32_at(first.after, offset);
        if (before == -1 && after == x86::vector::general_protection)
            marker_candidates.push_back(offset);
        if (before != first_selector && after == first_selector)
            error_candidates.push_back(offset);
    }
    if (marker_candidates.empty() || error_candidates.empty())
        return make_error(fmt::format("calibration: found {} candidates for QEMU's old_exception and {} for "
                                      "error_code in the {}-byte context; this Unicorn's CPU state layout is "
                                      "not the one lkmemu knows",
                                      marker_candidates.size(), error_candidates.size(), size));

    // Re-arm every candidate, then a second #GP must arrive as 13 again (without the re-arm it is #DF).
    for (size_t offset : marker_candidates)
        poke_int32(context.get(), offset, -1);
    LKMEMU_TRY(uc_check(uc_context_restore(uc, context.get()), "calibration: uc_context_restore"));
    auto second = LKMEMU_TRY(take_shot(uc, context.get(), size, ram, page, second_selector, latch));
    if (second.vector != x86::vector::general_protection)
        return make_error(fmt::format("calibration: after re-arming QEMU's exception marker a second #GP "
                                      "still arrived as vector {}; cannot run with correct double faults",
                                      second.vector));
    std::erase_if(marker_candidates, [&](size_t offset) {
        return int32_at(second.before, offset) != -1 || int32_at(second.after, offset) != 13;
    });
    std::erase_if(error_candidates, [&](size_t offset) { return int32_at(second.after, offset) != second_selector; });
    if (marker_candidates.size() != 1 || error_candidates.size() != 1)
        return make_error(fmt::format("calibration: ambiguous CPU state layout ({} old_exception and {} "
                                      "error_code candidates after two #GPs)",
                                      marker_candidates.size(), error_candidates.size()));

    FaultMarker marker(std::move(context), marker_candidates[0], error_candidates[0]);
    // Leave the marker clear and the scratch page as we found it.
    LKMEMU_TRY(marker.take_error_code_and_rearm(uc));
    std::memset(ram.data() + page, 0, 4096);
    latch.clear();
    return marker;
}

Result<uint32_t> FaultMarker::take_error_code_and_rearm(uc_engine* uc)
{
    LKMEMU_TRY(uc_check(uc_context_save(uc, m_context.get()), "uc_context_save"));
    auto* bytes = reinterpret_cast<uint8_t*>(m_context.get());
    int32_t error_code;
    std::memcpy(&error_code, bytes + m_error_code_offset, 4);
    poke_int32(m_context.get(), m_old_exception_offset, -1);
    LKMEMU_TRY(uc_check(uc_context_restore(uc, m_context.get()), "uc_context_restore"));
    return static_cast<uint32_t>(error_code);
}

} // namespace lkmemu
