// A failed KUNIT_EXPECT_* / KUNIT_ASSERT_* / KUNIT_FAIL, worded as KUnit words it (Linux's
// lib/kunit/assert.c): "EXPECTATION FAILED at FILE:LINE" (or ASSERTION), "Expected a == b, but"
// and each side's value unless its source text already is that value. The case is marked failed;
// for an assertion the SDK's macro then calls __kunit_abort.
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/string.h>
#include <kernel/vsprintf.h>
#include <stdarg.h>

namespace {

// Is the source text the literal of the value ("3" for 3)? Then printing it again says nothing.
bool is_literal(const char* text, long long value)
{
    char digits[24];
    snprintf(digits, sizeof(digits), "%lld", value);
    return strcmp(text, digits) == 0;
}

// Is the source text the quoted string itself ("\"abc\"" for abc)?
bool is_str_literal(const char* text, const char* value)
{
    size_t const length = strlen(text);
    if (!value || length < 2 || text[0] != '"' || text[length - 1] != '"')
        return false;
    return strlen(value) == length - 2 && strncmp(text + 1, value, length - 2) == 0;
}

void print_binary_header(const kunit_assert& a)
{
    pr_err(KUNIT_SUBTEST_INDENT "Expected %s %s %s, but\n", a.left_text, a.operation, a.right_text);
}

void print_assert(const kunit_assert& a)
{
    switch (a.kind) {
    case KUNIT_ASSERT_KIND_FAIL:
        break;
    case KUNIT_ASSERT_KIND_UNARY:
        pr_err(KUNIT_SUBTEST_INDENT "Expected %s to be %s, but is %s\n", a.left_text, a.expected_true ? "true" : "false",
               a.expected_true ? "false" : "true");
        break;
    case KUNIT_ASSERT_KIND_BINARY_INT:
        print_binary_header(a);
        if (!is_literal(a.left_text, a.left_value))
            pr_err(KUNIT_SUBSUBTEST_INDENT "%s == %lld (0x%llx)\n", a.left_text, a.left_value, a.left_value);
        if (!is_literal(a.right_text, a.right_value))
            pr_err(KUNIT_SUBSUBTEST_INDENT "%s == %lld (0x%llx)\n", a.right_text, a.right_value, a.right_value);
        break;
    case KUNIT_ASSERT_KIND_BINARY_PTR: // %px: the raw address, 16 hex digits
        print_binary_header(a);
        pr_err(KUNIT_SUBSUBTEST_INDENT "%s == %016lx\n", a.left_text, reinterpret_cast<u64>(a.left_pointer));
        pr_err(KUNIT_SUBSUBTEST_INDENT "%s == %016lx\n", a.right_text, reinterpret_cast<u64>(a.right_pointer));
        break;
    case KUNIT_ASSERT_KIND_BINARY_STR:
        print_binary_header(a);
        if (!is_str_literal(a.left_text, a.left_string))
            pr_err(KUNIT_SUBSUBTEST_INDENT "%s == \"%s\"\n", a.left_text, a.left_string ? a.left_string : "(null)");
        if (!is_str_literal(a.right_text, a.right_string))
            pr_err(KUNIT_SUBSUBTEST_INDENT "%s == \"%s\"\n", a.right_text, a.right_string ? a.right_string : "(null)");
        break;
    }
}

} // namespace

extern "C" void __kunit_do_failed_assertion(kunit* test, const kunit_loc* loc, kunit_assert_type type,
                                            const kunit_assert* assert, const char* fmt, ...)
{
    test->status = KUNIT_FAILURE;
    pr_err(KUNIT_SUBTEST_INDENT "# %s: %s FAILED at %s:%d\n", test->name,
           type == KUNIT_ASSERTION ? "ASSERTION" : "EXPECTATION", loc->file, loc->line);
    print_assert(*assert);
    if (fmt) {
        char message[256];
        va_list args;
        va_start(args, fmt);
        vsnprintf(message, sizeof(message), fmt, args);
        va_end(args);
        pr_err(KUNIT_SUBTEST_INDENT "%s\n", message);
    }
}
