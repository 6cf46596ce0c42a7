// load_module's unwinding, stage by stage: with the test hook module.fail_stage=STAGE[:MODULE] on
// the kernel command line, loading fails with ENOMEM right after STAGE, and everything the stages
// so far did must be undone: memory back to its baseline, the module gone from lsmod and from the
// observer list, its dependency links and exports gone, and the notifier chain hearing GOING
// exactly when it heard COMING. Also: each refusal is logged once.
#include "module_support.h"

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

// In load_module's order (guest-kernel/kernel/module/main.cpp).
const std::vector<std::string> stages_before_struct_module = {
    "elf_validity_check", "setup_load_info", "check_modinfo",
};
// From setup_load_info on the hook can name the module that fails.
const std::vector<std::string> stages_with_name = {
    "setup_load_info",    "check_modinfo",         "layout_and_allocate", "add_unformed_module",
    "simplify_symbols",   "apply_relocations",     "post_relocation",     "complete_formation",
    "prepare_coming_module", "parse_args",         "do_init_module",
};

bool coming_sent_by(const std::string& stage)
{
    return stage == "prepare_coming_module" || stage == "parse_args" || stage == "do_init_module";
}

size_t count_of(const std::string& text, const std::string& needle)
{
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        n++;
    return n;
}

std::vector<std::string> names_of(const Snapshot& s)
{
    std::vector<std::string> names;
    for (const auto& m : s.modules)
        names.push_back(m.name);
    return names;
}

} // namespace

TEST_CASE("module: a failure injected before struct module exists leaves nothing behind")
{
    for (const std::string& stage : stages_before_struct_module) {
        INFO(stage);
        auto s = run_observed("insmod " + module_path("hello") + "; cat /proc/modules", "module.fail_stage=" + stage);
        REQUIRE(s.results.size() == 2);
        CHECK(s.result(0).status == -LKM_ENOMEM);
        std::string who = stage == "elf_validity_check" ? "module" : "hello"; // named by setup_load_info
        CHECK(contains(s.result(0).error, who + ": injected failure (module.fail_stage): after " + stage +
                                              " (err -12)"));
        CHECK(count_of(s.result(0).error, "injected failure") == 1);
        CHECK(s.result(1).ok);
        CHECK(s.result(1).output.empty());
        CHECK(s.before(1).modules.empty());
        CHECK(s.before(1).module_area.empty());
        CHECK_MEMINFO_EQUAL(s.before(1).meminfo, s.before(0).meminfo);
    }
}

TEST_CASE("module: a failure injected after each stage of a module using another unwinds exactly that far")
{
    for (const std::string& stage : stages_with_name) {
        INFO(stage);
        auto s = run_observed("insmod " + module_path("provider") + "; insmod " + module_path("consumer") +
                                  " nosuch=1; cat /proc/modules; rmmod provider; cat /proc/modules; dmesg",
                              "module.fail_stage=" + stage + ":consumer module_veto=nothing");
        REQUIRE(s.results.size() == 6);
        CHECK(s.result(0).ok);
        CHECK(s.result(1).status == -LKM_ENOMEM);
        CHECK(contains(s.result(1).error,
                       "consumer: injected failure (module.fail_stage): after " + stage + " (err -12)"));
        CHECK(count_of(s.result(1).error, "injected failure") == 1);

        // consumer is gone, and so is its link to provider: refcount 0, no users, removable.
        CHECK(s.result(2).output == "provider 12288 0 - Live 0xffffffffa0000000\n");
        CHECK(names_of(s.before(2)) == std::vector<std::string> { "provider" });
        CHECK(s.before(2).module_area.size() == s.before(1).module_area.size());
        CHECK_MEMINFO_EQUAL(s.before(2).meminfo, s.before(1).meminfo);
        CHECK(s.result(3).ok);
        CHECK(s.result(4).output.empty());
        CHECK(s.before(5).module_area.empty());
        CHECK_MEMINFO_EQUAL(s.before(5).meminfo, s.before(0).meminfo);

        // The listener heard COMING only from prepare_coming_module on, and GOING exactly then.
        const std::string& log = s.result(5).output;
        size_t coming = log.find("module_veto: COMING consumer");
        size_t going = log.find("module_veto: GOING consumer");
        CHECK((coming != std::string::npos) == coming_sent_by(stage));
        CHECK((going != std::string::npos) == coming_sent_by(stage));
        if (coming != std::string::npos && going != std::string::npos)
            CHECK(coming < going);
        CHECK_FALSE(contains(log, "module_veto: LIVE consumer"));
        CHECK_FALSE(contains(log, "consumer: 2 + 3 = 5")); // init never ran
        // parse_args ran (and warned about nosuch) only when the stages got that far.
        bool parsed = stage == "parse_args" || stage == "do_init_module";
        CHECK(contains(log, "consumer: unknown parameter 'nosuch' ignored") == parsed);
    }
}

TEST_CASE("module: a failure injected after each stage of a module that exports takes its exports back")
{
    for (const std::string& stage : stages_with_name) {
        INFO(stage);
        auto s = run_observed("insmod " + module_path("provider") + "; insmod " + module_path("consumer") +
                                  "; cat /proc/modules; insmod " + module_path("hello") + "; rmmod hello",
                              "module.fail_stage=" + stage + ":provider");
        REQUIRE(s.results.size() == 5);
        CHECK(s.result(0).status == -LKM_ENOMEM);
        CHECK(contains(s.result(0).error,
                       "provider: injected failure (module.fail_stage): after " + stage + " (err -12)"));
        // provider_add went with provider: consumer finds no such export (not a dangling one).
        CHECK(s.result(1).status == -LKM_ENOENT);
        CHECK(contains(s.result(1).error, "consumer: Unknown symbol provider_add (err -2)"));
        CHECK(s.result(2).output.empty());
        CHECK(s.before(1).modules.empty());
        CHECK_MEMINFO_EQUAL(s.before(1).meminfo, s.before(0).meminfo);
        CHECK_MEMINFO_EQUAL(s.before(2).meminfo, s.before(0).meminfo);
        // Other modules still load; the hook names provider only.
        CHECK(s.result(3).ok);
        CHECK(s.result(4).ok);
        CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
    }
}

TEST_CASE("module: module.fail_stage with an unknown stage is reported and loads work")
{
    auto s = run_observed("insmod " + module_path("hello") + "; rmmod hello", "module.fail_stage=nosuch");
    REQUIRE(s.results.size() == 2);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    CHECK(contains(s.console(), "module.fail_stage: no load_module stage is called 'nosuch'"));
}

TEST_CASE("module: each refusal of a load is logged once, in Linux's words")
{
    auto s = run_observed("insmod " + module_path("consumer") + "; insmod " + module_path("params") +
                              " count=zz; insmod " + module_path("hello") + "; insmod " + module_path("provider") +
                              "; insmod " + module_path("provider") + "; rmmod provider",
                          "module_veto=hello");
    REQUIRE(s.results.size() == 6);
    CHECK(s.result(0).status == -LKM_ENOENT);
    CHECK(count_of(s.result(0).error, "provider_add") == 1);
    CHECK(contains(s.result(0).error, "consumer: Unknown symbol provider_add (err -2)"));
    CHECK(s.result(1).status == -LKM_EINVAL);
    CHECK(count_of(s.result(1).error, "zz") == 1);
    CHECK(contains(s.result(1).error, "params: `zz' invalid for parameter `count'"));
    // The veto: the listener says why, the kernel what it refused.
    CHECK(s.result(2).status == -LKM_EACCES);
    CHECK(count_of(s.result(2).error, "module_veto: refusing module hello") == 1);
    CHECK(count_of(s.result(2).error, "hello: a module notifier refused the module (err -13)") == 1);
    CHECK(s.result(3).ok);
    CHECK(s.result(4).status == -LKM_EEXIST);
    CHECK(count_of(s.result(4).error, "provider: a module of this name is already loaded") == 1);
    CHECK(s.result(5).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}
