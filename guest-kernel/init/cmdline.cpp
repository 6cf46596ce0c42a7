// The kernel command line: space-separated words, "name=value" or a bare "name".
#include <kernel/bootparam.h>
#include <kernel/init.h>
#include <kernel/printk.h>
#include <kernel/string.h>

struct kernel_cmdline kernel_cmdline;

namespace {

// Copies of the words passed to init (init_argv/init_envp point here).
char g_init_words[COMMAND_LINE_SIZE];
size_t g_init_words_used;
size_t g_argc = 1; // argv[0] is the init path
size_t g_envc = 2; // HOME=/ TERM=linux
// "a b=1": the unknown words, for the one log line that lists them.
char g_unknown[COMMAND_LINE_SIZE];
size_t g_unknown_used;

void append(char* buffer, size_t* used, const char* text, size_t length)
{
    if (*used + length + 1 > COMMAND_LINE_SIZE)
        return; // cannot happen: everything comes from one command line of that size
    memcpy(buffer + *used, text, length);
    *used += length;
    buffer[*used] = '\0';
}

enum class InitWord { Argument, Environment };

void pass_to_init(const char* word, size_t length, InitWord kind)
{
    const char* copy = g_init_words + g_init_words_used;
    append(g_init_words, &g_init_words_used, word, length);
    g_init_words_used++; // keep the NUL
    if (kind == InitWord::Argument) {
        if (g_argc < MAX_INIT_ARGS + 1)
            kernel_cmdline.init_argv[g_argc++] = copy;
        else
            pr_err("Too many boot init arguments, dropping '%.*s'\n", static_cast<int>(length), word);
    } else {
        if (g_envc < MAX_INIT_ENVS + 2)
            kernel_cmdline.init_envp[g_envc++] = copy;
        else
            pr_err("Too many boot env vars, dropping '%.*s'\n", static_cast<int>(length), word);
    }
}

bool starts_with(const char* word, size_t length, const char* prefix)
{
    size_t n = strlen(prefix);
    return length >= n && strncmp(word, prefix, n) == 0;
}

// A whole word equal to name=value?
bool word_is(const char* word, size_t length, const char* text)
{
    return length == strlen(text) && strncmp(word, text, length) == 0;
}

// Where c first occurs in the word, or length.
size_t index_in_word(const char* word, size_t length, char c)
{
    size_t i = 0;
    while (i < length && word[i] != c)
        i++;
    return i;
}

bool parse_int(const char* text, size_t length, int* out)
{
    if (length == 0 || length > 9)
        return false;
    int value = 0;
    for (size_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
}

void parse_word(const char* word, size_t length, CmdlinePass pass)
{
    // The early pass only picks up what the console needs and says nothing; the full pass, once
    // the console is up, also reports what it does not understand.
    bool quiet = pass == CmdlinePass::Early;
    if (quiet && !starts_with(word, length, "console=") && !starts_with(word, length, "loglevel="))
        return;
    if (starts_with(word, length, "console=")) {
        const char* value = word + 8;
        size_t value_length = length - 8;
        if (word_is(value, value_length, "none"))
            kernel_cmdline.console_enabled = false;
        else if (starts_with(value, value_length, "ttyS0"))
            kernel_cmdline.console_enabled = true; // "ttyS0" or "ttyS0,115200": the only console
        else if (!quiet)
            pr_warn("console: unknown console '%.*s', keeping ttyS0\n", static_cast<int>(value_length), value);
    } else if (starts_with(word, length, "loglevel=")) {
        int level;
        if (parse_int(word + 9, length - 9, &level) && level <= 8)
            kernel_cmdline.loglevel = level;
        else if (!quiet)
            pr_warn("loglevel: invalid value '%.*s'\n", static_cast<int>(length - 9), word + 9);
    } else if (starts_with(word, length, "selftest=")) {
        // A comma-separated list of self-tests.
        const char* name = word + 9;
        const char* end = word + length;
        while (name < end) {
            size_t n = index_in_word(name, static_cast<size_t>(end - name), ',');
            if (word_is(name, n, "faults"))
                kernel_cmdline.selftest_faults = true;
            else if (word_is(name, n, "wx"))
                kernel_cmdline.selftest_wx = true;
            else if (word_is(name, n, "sched"))
                kernel_cmdline.selftest_sched = true;
            else if (word_is(name, n, "mm"))
                kernel_cmdline.selftest_mm = true;
            else if (word_is(name, n, "oops"))
                kernel_cmdline.selftest_oops = true;
            else
                pr_warn("selftest: unknown self-test '%.*s'\n", static_cast<int>(n), name);
            name += n + 1;
        }
    } else if (starts_with(word, length, "modules_disabled=")) {
        if (word_is(word + 17, length - 17, "1"))
            kernel_cmdline.modules_disabled = true;
        else if (!word_is(word + 17, length - 17, "0"))
            pr_warn("modules_disabled: invalid value '%.*s'\n", static_cast<int>(length - 17), word + 17);
    } else if (starts_with(word, length, "watchdog_thresh=")) {
        int thresh;
        if (parse_int(word + 16, length - 16, &thresh) && thresh <= 60)
            kernel_cmdline.watchdog_thresh = thresh;
        else
            pr_warn("watchdog_thresh: invalid value '%.*s'\n", static_cast<int>(length - 16), word + 16);
    } else if (starts_with(word, length, "softlockup_panic=")) {
        if (word_is(word + 17, length - 17, "1") || word_is(word + 17, length - 17, "0"))
            kernel_cmdline.softlockup_panic = word[17] == '1';
        else
            pr_warn("softlockup_panic: invalid value '%.*s'\n", static_cast<int>(length - 17), word + 17);
    } else if (starts_with(word, length, "hostname=")) {
        if (length - 9 <= sizeof(kernel_cmdline.hostname) - 1) {
            memcpy(kernel_cmdline.hostname, word + 9, length - 9);
            kernel_cmdline.hostname[length - 9] = '\0';
        } else {
            pr_warn("hostname: longer than 64 bytes, ignored\n");
        }
    } else if (starts_with(word, length, "init=")) {
        if (length - 5 < sizeof(kernel_cmdline.init_path) && length > 5) {
            memcpy(kernel_cmdline.init_path, word + 5, length - 5);
            kernel_cmdline.init_path[length - 5] = '\0';
            kernel_cmdline.init_argv[0] = kernel_cmdline.init_path; // init's argv[0] is its path
        } else {
            pr_warn("init: path empty or longer than 255 bytes, ignored\n");
        }
    } else if (starts_with(word, length, "random.seed=")) {
        kernel_cmdline.random_seed = word + 12; // the command line outlives the boot
        kernel_cmdline.random_seed_length = length - 12;
    } else if (starts_with(word, length, "module_veto=")) {
        size_t n = min(length - 12, sizeof(kernel_cmdline.module_veto) - 1);
        memcpy(kernel_cmdline.module_veto, word + 12, n);
        kernel_cmdline.module_veto[n] = '\0';
    } else if (starts_with(word, length, "module.sig_enforce=")) {
        // A bool parameter as Linux's param_set_bool (kstrtobool): 1/y/Y or 0/n/N.
        const char* value = word + 19;
        size_t n = length - 19;
        if (n == 1 && (*value == '1' || *value == 'y' || *value == 'Y'))
            kernel_cmdline.module_sig_enforce = true;
        else if (n == 1 && (*value == '0' || *value == 'n' || *value == 'N'))
            kernel_cmdline.module_sig_enforce = false;
        else
            pr_warn("module.sig_enforce: invalid value '%.*s'\n", static_cast<int>(n), value);
    } else if (starts_with(word, length, "kunit.filter_glob=")) {
        kernel_cmdline.kunit_filter_glob = word + 18; // the command line outlives the boot
        kernel_cmdline.kunit_filter_glob_length = length - 18;
    } else if (starts_with(word, length, "module.fail_stage=")) {
        size_t n = min(length - 18, sizeof(kernel_cmdline.module_fail_stage) - 1);
        memcpy(kernel_cmdline.module_fail_stage, word + 18, n);
        kernel_cmdline.module_fail_stage[n] = '\0';
    } else if (!quiet) {
        size_t equals_at = index_in_word(word, length, '=');
        size_t dot_at = index_in_word(word, length, '.');
        if (dot_at < equals_at)
            return; // a module parameter ("module.param=value"): not init's
        if (g_unknown_used)
            append(g_unknown, &g_unknown_used, " ", 1);
        append(g_unknown, &g_unknown_used, word, length);
        pass_to_init(word, length, equals_at < length ? InitWord::Environment : InitWord::Argument);
    }
}

} // namespace

void parse_kernel_cmdline(const char* command_line, CmdlinePass pass)
{
    if (pass == CmdlinePass::Full) {
        kernel_cmdline.init_argv[0] = INIT_PATH;
        kernel_cmdline.init_envp[0] = "HOME=/";
        kernel_cmdline.init_envp[1] = "TERM=linux";
    }
    bool after_dashes = false;
    const char* p = command_line;
    while (*p) {
        while (*p == ' ')
            p++;
        const char* start = p;
        while (*p && *p != ' ')
            p++;
        size_t length = static_cast<size_t>(p - start);
        if (length == 0)
            continue;
        if (after_dashes) {
            if (pass == CmdlinePass::Full)
                pass_to_init(start, length, InitWord::Argument);
        } else if (length == 2 && start[0] == '-' && start[1] == '-') {
            after_dashes = true; // as Linux: the rest belongs to init
        } else {
            parse_word(start, length, pass);
        }
    }
    if (pass == CmdlinePass::Full && g_unknown_used)
        pr_notice("Unknown kernel command line parameters \"%s\", will be passed to user space.\n", g_unknown);
}
