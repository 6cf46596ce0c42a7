#include "support/uc_check.h"

#include <fmt/format.h>

namespace lkmemu {

Result<void> uc_check(uc_err err, std::string_view what)
{
    if (err == UC_ERR_OK)
        return {};
    return make_error(fmt::format("{}: {} (uc_err {})", what, uc_strerror(err), static_cast<int>(err)));
}

} // namespace lkmemu
