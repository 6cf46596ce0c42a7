// kmod's exact words for every insmod and rmmod failure the kernel can return, checked against the
// strings of kmod's own source (github.com/kmod-project/kmod, v34-271: tools/insmod.c
// mod_strerror() and do_insmod(), tools/rmmod.c check_module_inuse() and do_rmmod(), libkmod's
// kmod_module_remove_module(), tools/log.c's "%s: %s: " prefix). And one errno name per number.
#define _GNU_SOURCE 1
#include <catch2/catch.hpp>

#include <harness/command.h>
#include <harness/commands/harness_command.h>
#include <harness/commands/kmod_wording.h>
#include <harness/guest_requests.h>

#include <lkmemu/errno.h>

#include <cstring>
#include <map>
#include <set>

using namespace lkmemu;

namespace {

// Every errno the kernel's init_module and delete_module paths return (guest-kernel/kernel/module,
// loader/src, and what Linux returns there: ESRCH for a symbol version, ENOKEY/EKEYREJECTED for
// signatures, ETIMEDOUT, EBUSY ...).
constexpr int kKernelErrors[] = { LKM_EPERM, LKM_ENOENT, LKM_ESRCH, LKM_EINTR, LKM_ENOEXEC, LKM_E2BIG, LKM_EAGAIN,
                                  LKM_ENOMEM, LKM_EACCES, LKM_EFAULT, LKM_EBUSY, LKM_EEXIST, LKM_ENXIO, LKM_EINVAL,
                                  LKM_EFBIG, LKM_ENOSPC, LKM_ENOKEY, LKM_EKEYREJECTED, LKM_ETIMEDOUT };

std::string failure_of(std::string_view text, int errno_value, std::string_view reason)
{
    std::vector<Command> commands;
    CommandParseError error;
    REQUIRE(parse_commands(text, commands, error));
    auto command = parse_command(commands.at(0));
    REQUIRE_FALSE(command.is_error());
    CommandResult result;
    command.value()->finish(-errno_value, reason, result);
    CHECK_FALSE(result.ok);
    return result.error;
}

} // namespace

TEST_CASE("insmod: kmod's mod_strerror() for the four it words itself, strerror for the rest")
{
    // tools/insmod.c, mod_strerror():
    //   case ENOEXEC: return "Invalid module format";
    //   case ENOENT:  return "Unknown symbol in module";
    //   case ESRCH:   return "Module has wrong symbol version";
    //   case EINVAL:  return "Invalid parameters";
    //   default:      return strerror(err);
    const std::map<int, std::string> kmod_words = {
        { LKM_ENOEXEC, "Invalid module format" },
        { LKM_ENOENT, "Unknown symbol in module" },
        { LKM_ESRCH, "Module has wrong symbol version" },
        { LKM_EINVAL, "Invalid parameters" },
    };
    for (int value : kKernelErrors) {
        INFO(errno_name(value));
        auto special = kmod_words.find(value);
        std::string const why = special != kmod_words.end() ? special->second : std::string(strerror(value));
        CHECK(kmod::insmod_strerror(value) == why);
        // do_insmod(): ERR("could not insert module %s: %s\n", filename, mod_strerror(-r));
        CHECK(failure_of("insmod /m/hello.ko who=x", value, "") == "insmod: ERROR: could not insert module /m/hello.ko: " + why);
    }
    // EEXIST is strerror's "File exists" in kmod's insmod ("Module already in kernel" is modprobe's).
    CHECK(kmod::insmod_strerror(LKM_EEXIST) == "File exists");
}

TEST_CASE("insmod: every line of the kernel's reason follows kmod's, each as `insmod: kernel:`")
{
    CHECK(failure_of("insmod consumer.ko", LKM_ENOENT,
                     "consumer: Unknown symbol provider_add (err -2)\nconsumer: Unknown symbol provider_mul (err -2)")
          == "insmod: ERROR: could not insert module consumer.ko: Unknown symbol in module\n"
             "insmod: kernel: consumer: Unknown symbol provider_add (err -2)\n"
             "insmod: kernel: consumer: Unknown symbol provider_mul (err -2)");
}

TEST_CASE("rmmod: kmod's one line for a module not loaded or in use, libkmod's and rmmod's for the rest")
{
    // check_module_inuse(): ERR("Module %s is not currently loaded\n", name) — before delete_module.
    CHECK(failure_of("rmmod hello", LKM_ENOENT, "") == "rmmod: ERROR: Module hello is not currently loaded");
    CHECK(failure_of("rmmod /m/hello.ko", LKM_ENOENT, "") == "rmmod: ERROR: Module hello is not currently loaded");
    // ERR("Module %s is in use by:%s\n", name, " a b") and ERR("Module %s is in use\n", name): one
    // line; init's reason for EAGAIN is that sentence.
    CHECK(failure_of("rmmod provider", LKM_EAGAIN, "Module provider is in use by: consumer other")
          == "rmmod: ERROR: Module provider is in use by: consumer other");
    CHECK(failure_of("rmmod -w holder", LKM_EAGAIN, "Module holder is in use") == "rmmod: ERROR: Module holder is in use");
    // Anything else reaches delete_module: libkmod's ERR(ctx, "could not remove '%s': %m\n", name),
    // then do_rmmod()'s ERR("could not remove module %s: %s\n", arg, strerror(-err)).
    for (int value : kKernelErrors) {
        if (value == LKM_ENOENT || value == LKM_EAGAIN)
            continue;
        INFO(errno_name(value));
        std::string const why = strerror(value);
        CHECK(failure_of("rmmod /m/hello.ko", value, "")
              == "rmmod: ERROR: could not remove 'hello': " + why + "\n"
                 "rmmod: ERROR: could not remove module /m/hello.ko: " + why);
    }
    // --force skips check_module_inuse(): the kernel's refusal is worded as any other, its reason after.
    CHECK(failure_of("rmmod -f provider", LKM_EAGAIN, "Module provider is in use by: consumer")
          == "rmmod: ERROR: could not remove 'provider': Resource temporarily unavailable\n"
             "rmmod: ERROR: could not remove module provider: Resource temporarily unavailable\n"
             "rmmod: kernel: Module provider is in use by: consumer");
    CHECK(failure_of("rmmod -f hello", LKM_ENOENT, "")
          == "rmmod: ERROR: could not remove 'hello': No such file or directory\n"
             "rmmod: ERROR: could not remove module hello: No such file or directory");
    CHECK(failure_of("rmmod hello", LKM_EFAULT, "hello: exit faulted; the module stays in memory (err 14)")
          == "rmmod: ERROR: could not remove 'hello': Bad address\n"
             "rmmod: ERROR: could not remove module hello: Bad address\n"
             "rmmod: kernel: hello: exit faulted; the module stays in memory (err 14)");
}

TEST_CASE("one errno name per number: glibc's, with strerror's text, the aliases name the same value")
{
    std::set<int> values;
    std::set<std::string> names;
#define LKM_ERRNO_ROW(name, value, text)                        \
    {                                                           \
        INFO(#name);                                            \
        CHECK(values.insert(value).second);                     \
        CHECK(names.insert(#name).second);                      \
        CHECK(std::string(strerrorname_np(value)) == #name);    \
        CHECK(std::string(strerror(value)) == text);            \
        CHECK(errno_name(value) == #name);                      \
        CHECK(errno_from_name(#name) == value);                 \
    }
    LKM_ERRNO_LIST(LKM_ERRNO_ROW)
#undef LKM_ERRNO_ROW
    // Linux's two names for one number: the list holds glibc's, the other is an alias.
    CHECK(LKM_EWOULDBLOCK == LKM_EAGAIN);
    CHECK(errno_name(LKM_EWOULDBLOCK) == "EAGAIN");
    CHECK(errno_from_name("EWOULDBLOCK") == LKM_EAGAIN);
    CHECK(LKM_ENOTSUP == LKM_EOPNOTSUPP);
    CHECK(errno_name(LKM_ENOTSUP) == "EOPNOTSUPP");
    CHECK(errno_from_name("ENOTSUP") == LKM_EOPNOTSUPP);
    CHECK_FALSE(errno_from_name("EFROB"));
}

TEST_CASE("lsmod: kmod's table from /proc/modules, holders comma-separated, [permanent] not a holder")
{
    CHECK(kmod::lsmod_table("") == "Module                  Size  Used by\n");
    CHECK(kmod::lsmod_table("consumer 12288 0 - Live 0xffffffffa0004000\n"
                            "provider 12288 2 consumer,other, Live 0xffffffffa0000000 (F)\n"
                            "holder 12288 0 [permanent], Live 0xffffffffa0008000\n"
                            "a_module_with_a_long_name 1234567 0 - Loading 0xffffffffa000c000\n") ==
          "Module                  Size  Used by\n"
          "consumer               12288  0\n"
          "provider               12288  2 consumer,other\n"
          "holder                 12288  0\n"
          "a_module_with_a_long_name  1234567  0\n");
    // The last line may come without its newline.
    CHECK(kmod::lsmod_table("hello 12288 0 - Live 0xffffffffa0000000") ==
          "Module                  Size  Used by\nhello                  12288  0\n");
}
