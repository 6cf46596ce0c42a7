// Module parameters (Linux's kernel/params.c): "who=world count=3 values=1,2,3 verbose" parsed
// against the module's __param table. A bad value fails the load with EINVAL (load_module logs
// Linux's complaint, "`zz' invalid for parameter `count'"); an unknown parameter is logged and
// ignored, as Linux does. The string is the module's own copy
// (module::args), split in place: charp parameters point into it and it lives as long as the
// module.
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/string.h>
#include <loader/format.h>

namespace {

// Linux's next_arg: "name", "name=value" or name="value with spaces"; returns the rest.
char* next_arg(char* args, char** param, char** val)
{
    bool in_quote = false, quoted = false;
    if (*args == '"') {
        args++;
        in_quote = true;
        quoted = true;
    }
    size_t i = 0, equals = 0;
    for (; args[i]; i++) {
        if (args[i] == ' ' && !in_quote)
            break;
        if (equals == 0 && args[i] == '=')
            equals = i;
        if (args[i] == '"')
            in_quote = !in_quote;
    }
    *param = args;
    if (!equals) {
        *val = nullptr;
    } else {
        args[equals] = '\0';
        *val = args + equals + 1;
        if (**val == '"') { // value="quoted": drop the quotes
            (*val)++;
            if (args[i - 1] == '"')
                args[i - 1] = '\0';
        }
    }
    if (quoted && i > 0 && args[i - 1] == '"')
        args[i - 1] = '\0';
    char* next = args + i;
    if (*next) {
        *next = '\0';
        next++;
    }
    while (*next == ' ')
        next++;
    return next;
}

bool parameq(const char* a, const char* b) // '-' and '_' are the same, as Linux's parameq
{
    for (; *a || *b; a++, b++) {
        char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
        if (x != y)
            return false;
    }
    return true;
}

// kstrtoll with base 0 (0x.., 0.. octal, decimal) and an optional sign.
bool parse_integer(const char* text, s64 min_value, s64 max_value, s64* out)
{
    bool negative = false;
    if (*text == '-' || *text == '+')
        negative = *text++ == '-';
    unsigned base = 10;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        text += 2;
    } else if (text[0] == '0' && text[1]) {
        base = 8;
        text++;
    }
    if (!*text)
        return false;
    u64 value = 0;
    for (; *text; text++) {
        unsigned digit = *text >= '0' && *text <= '9' ? unsigned(*text - '0')
                         : *text >= 'a' && *text <= 'f' ? unsigned(*text - 'a' + 10)
                         : *text >= 'A' && *text <= 'F' ? unsigned(*text - 'A' + 10)
                                                        : 99u;
        if (digit >= base || value > (~0ull - digit) / base)
            return false;
        value = value * base + digit;
    }
    if (value > (negative ? (1ull << 63) : ~0ull))
        return false;
    s64 signed_value = negative ? static_cast<s64>(0 - value) : static_cast<s64>(value);
    if (!negative && value > static_cast<u64>(max_value))
        return false;
    if (signed_value < min_value || signed_value > max_value)
        return false;
    *out = signed_value;
    return true;
}

bool parse_bool(const char* val, bool* out) // kstrtobool's spellings
{
    if (!val) {
        *out = true; // a bare name means true
        return true;
    }
    if (!strcmp(val, "y") || !strcmp(val, "Y") || !strcmp(val, "1") || !strcmp(val, "on")) {
        *out = true;
        return true;
    }
    if (!strcmp(val, "n") || !strcmp(val, "N") || !strcmp(val, "0") || !strcmp(val, "off")) {
        *out = false;
        return true;
    }
    return false;
}

// Store one value of `type` at `where`. false: the value is invalid for it.
bool set_element(u32 type, char* val, u64 where)
{
    s64 number;
    switch (type) {
    case LKM_PARAM_INT:
        if (!val || !parse_integer(val, -2147483648ll, 2147483647ll, &number))
            return false;
        *reinterpret_cast<s32*>(where) = static_cast<s32>(number);
        return true;
    case LKM_PARAM_UINT:
        if (!val || *val == '-' || !parse_integer(val, 0, 4294967295ll, &number))
            return false;
        *reinterpret_cast<u32*>(where) = static_cast<u32>(number);
        return true;
    case LKM_PARAM_LONG:
        if (!val || !parse_integer(val, -9223372036854775807ll - 1, 9223372036854775807ll, &number))
            return false;
        *reinterpret_cast<s64*>(where) = number;
        return true;
    case LKM_PARAM_BOOL: {
        bool value;
        if (!parse_bool(val, &value))
            return false;
        *reinterpret_cast<bool*>(where) = value;
        return true;
    }
    case LKM_PARAM_CHARP:
        if (!val)
            return false;
        *reinterpret_cast<char**>(where) = val; // into module::args, which the module keeps
        return true;
    default:
        return false;
    }
}

// Linux's complaint about a value, for the kernel's log (report_load_error adds the module name).
lkm::Error invalid_value(const char* name, const char* val)
{
    return lkm::make_error(LKM_EINVAL, "invalid parameter value", "`%s' invalid for parameter `%s'", val ? val : "", name)
        .with_kind(lkm::ErrorKind::InvalidParameter);
}

lkm::ErrorOr<void> set_param(const lkm_kernel_param& kp, const char* name, char* val)
{
    size_t size = lkm_param_type_size(kp.type);
    if (!size)
        return lkm::make_error(LKM_EINVAL, "unknown parameter type", "parameter %s has type %u", name, kp.type);
    if (!kp.max_elems) {
        if (!set_element(kp.type, val, kp.arg))
            return invalid_value(name, val);
        return {};
    }
    // An array: comma-separated elements, at most max_elems of them.
    if (!val)
        return invalid_value(name, val);
    u32 count = 0;
    char* element = val;
    for (;;) {
        char* comma = strchr(element, ',');
        if (comma)
            *comma = '\0';
        if (count == kp.max_elems)
            return lkm::make_error(LKM_EINVAL, "too many values", "%s: can only take %u arguments", name, kp.max_elems)
                .with_kind(lkm::ErrorKind::InvalidParameter);
        if (!set_element(kp.type, element, kp.arg + count * size))
            return invalid_value(name, element);
        count++;
        if (!comma)
            break;
        element = comma + 1;
    }
    if (kp.num)
        *reinterpret_cast<u32*>(kp.num) = count;
    return {};
}

} // namespace

lkm::ErrorOr<void> parse_args(module* mod, const lkm::load_info& info)
{
    const auto* params = info.num_params ? reinterpret_cast<const lkm_kernel_param*>(info.section_memory(info.index.param))
                                         : nullptr;
    char* args = mod->args;
    while (args && *args == ' ')
        args++;
    while (args && *args) {
        char *param, *val;
        args = next_arg(args, &param, &val);
        const lkm_kernel_param* match = nullptr;
        for (size_t i = 0; i < info.num_params && !match; i++) {
            if (parameq(reinterpret_cast<const char*>(params[i].name), param))
                match = &params[i];
        }
        if (!match) {
            pr_warn("%s: unknown parameter '%s' ignored\n", mod->name, param);
            continue;
        }
        TRY(set_param(*match, param, val));
    }
    return {};
}
