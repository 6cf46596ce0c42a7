// The one place a Unicorn uc_err becomes an lkmemu Error: "what we were doing: uc_strerror(err)".
#pragma once

#include "support/result.h"

#include <unicorn/unicorn.h>

#include <memory>
#include <string_view>

namespace lkmemu {

// OK, or an Error naming the operation and Unicorn's own text for the code.
Result<void> uc_check(uc_err err, std::string_view what);

struct UcEngineClose {
    void operator()(uc_engine* uc) const { uc_close(uc); }
};
using UcEnginePtr = std::unique_ptr<uc_engine, UcEngineClose>;

struct UcContextFree {
    void operator()(uc_context* context) const { uc_context_free(context); }
};
using UcContextPtr = std::unique_ptr<uc_context, UcContextFree>;

} // namespace lkmemu
