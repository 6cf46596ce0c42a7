// FaultMarker: re-arms QEMU's double-fault detection after the host delivers an exception.
//
// QEMU remembers the exception in flight in env->old_exception and clears it only when it
// delivers an exception itself, which Unicorn never does. Left alone, the second #GP (or #DE,
// #TS, #NP, #SS) after the first arrives as #DF. The only door to that field is the opaque blob of
// uc_context_save/uc_context_restore (it copies CPUX86State up to end_reset_fields), so at start-up
// we find the field's offset in the blob by experiment: run a scratch instruction that raises
// #GP(selector) once, diff the blob before and after (old_exception goes to 13; env->error_code
// to the selector), check the finding with a second #GP that must again arrive as vector 13, and
// refuse to start if any of that does not hold. The same diff finds env->error_code, which is how
// the host learns the error code of a #GP/#TS/#NP/#SS the engine raised.
#pragma once

#include "cpu/event.h"
#include "support/result.h"
#include "support/uc_check.h"

#include <unicorn/unicorn.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace lkmemu {

class FaultMarker {
public:
    // Runs the calibration program in scratch_page (a guest-physical page of `ram`, identity
    // mapped because paging is still off). The engine's hooks must already record events in
    // `latch`. Leaves the scratch page zeroed.
    static Result<FaultMarker> calibrate(uc_engine*, std::span<uint8_t> ram, uint64_t scratch_page, EventLatch& latch);

    // After the engine raised an exception: its error code, and the marker cleared (-1) so the
    // next exception arrives as itself.
    Result<uint32_t> take_error_code_and_rearm(uc_engine*);

    size_t old_exception_offset() const { return m_old_exception_offset; }
    size_t error_code_offset() const { return m_error_code_offset; }

private:
    FaultMarker(UcContextPtr context, size_t old_exception, size_t error_code)
        : m_context(std::move(context)), m_old_exception_offset(old_exception),
          m_error_code_offset(error_code)
    {
    }

    UcContextPtr m_context;
    size_t m_old_exception_offset = 0;
    size_t m_error_code_offset = 0;
};

} // namespace lkmemu
