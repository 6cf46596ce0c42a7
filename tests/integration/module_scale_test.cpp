// No fixed caps where the count grows with the user: 300 distinct modules loaded at once (the
// module area once held 256 allocations, about 128 modules), and 40 character devices at once
// (once 16, device nodes included), each time all removed again with the kernel's memory back
// to its baseline; and paths as long as Linux's PATH_MAX (once 256 bytes). The modules are
// byte-patched copies of the samples: their names (in .modinfo and in
// .gnu.linkonce.this_module) replaced by others of the same length, so the ELF stays valid.
#include "module_support.h"

#include <filesystem>

#include <unistd.h>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

// Replaces the one occurrence of `from` in bytes with `to` (or every one, when all).
void replace(std::string& bytes, const std::string& from, const std::string& to, bool all = false)
{
    REQUIRE(from.size() == to.size());
    size_t at = bytes.find(from);
    REQUIRE(at != std::string::npos);
    if (!all)
        REQUIRE(bytes.find(from, at + 1) == std::string::npos);
    for (; at != std::string::npos; at = all ? bytes.find(from, at + to.size()) : std::string::npos)
        bytes.replace(at, from.size(), to);
}

// Copies of a sample, renamed: the module name in .modinfo ("name=NAME\0") and in this_module's
// name field (NAME and NUL padding).
class RenamedModules {
public:
    // The sample's unsigned image: a renamed copy would no longer match its signature.
    RenamedModules(const std::string& sample, const std::string& tag) : m_sample(module_image(sample)), m_name(sample)
    {
        m_dir = std::filesystem::temp_directory_path() / ("lkmemu-scale-" + tag + "-" + std::to_string(::getpid()));
        std::filesystem::create_directories(m_dir);
    }
    ~RenamedModules() { std::filesystem::remove_all(m_dir); }

    // Writes the copy named `name` (as long as the sample's name), with the extra replacements
    // (every occurrence of each); returns its path.
    std::string make(const std::string& name, const std::vector<std::pair<std::string, std::string>>& also = {})
    {
        std::string bytes = m_sample;
        for (const auto& [from, to] : also) // first: they may contain the module's name
            replace(bytes, from, to, true);
        replace(bytes, "name=" + m_name + std::string(1, '\0'), "name=" + name + std::string(1, '\0'));
        replace(bytes, m_name + std::string(24, '\0'), name + std::string(24, '\0'));
        auto path = m_dir / (name + ".ko");
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return path.string();
    }

private:
    std::string m_sample;
    std::string m_name;
    std::filesystem::path m_dir;
};

// The command runner, plus the kernel's memory counters read before every guest request: so
// meminfo[i] is the state before the i-th command, and the last one the state after the last
// command. (module_support.h's run_observed also walks the page tables and the module list
// each time, which 600 commands do not need.)
class MeminfoHost final : public HarnessHost {
public:
    explicit MeminfoHost(std::vector<Command> commands) : m_runner(std::move(commands))
    {
        m_runner.set_kernel_path(LKMEMU_KERNEL_PATH);
    }
    std::vector<uint8_t> next_request(Machine& machine) override
    {
        static const uint64_t meminfo_va = kernel_symbol("kernel_meminfo");
        lkm_meminfo m {};
        REQUIRE(!machine.read_virtual(meminfo_va, std::span(reinterpret_cast<uint8_t*>(&m), sizeof(m))).is_error());
        meminfo.push_back(m);
        return m_runner.next_request(machine);
    }
    std::unique_ptr<HarnessData> take_request_data() override { return m_runner.take_request_data(); }
    void on_response(Machine& machine, int32_t status, std::string_view text) override
    {
        m_runner.on_response(machine, status, text);
    }
    std::vector<CommandResult> results() const { return m_runner.results(); }

    std::vector<lkm_meminfo> meminfo;

private:
    CommandRunner m_runner;
};

struct ScaleRun {
    std::vector<CommandResult> results;
    std::vector<lkm_meminfo> meminfo;
    RunResult stop;
};

ScaleRun run_commands(const std::vector<std::string>& commands)
{
    std::vector<Command> parsed;
    for (const std::string& text : commands) {
        std::vector<Command> one;
        CommandParseError error;
        REQUIRE(parse_commands(text, one, error));
        parsed.insert(parsed.end(), one.begin(), one.end());
    }
    MachineConfig config;
    config.kernel_path = LKMEMU_KERNEL_PATH;
    auto created = Machine::create(config);
    if (created.is_error())
        FAIL(created.error().message);
    std::unique_ptr<Machine> machine = created.release_value();
    MeminfoHost host(std::move(parsed));
    machine->set_harness_host(&host);
    ScaleRun run;
    run.stop = machine->run();
    run.results = host.results();
    run.meminfo = std::move(host.meminfo);
    return run;
}

std::string numbered(const std::string& prefix, size_t i, int digits)
{
    std::string n = std::to_string(i);
    return prefix + std::string(static_cast<size_t>(digits) - n.size(), '0') + n;
}

} // namespace

TEST_CASE("module: 300 distinct modules load at once and all unload, memory back to its baseline")
{
    constexpr size_t COUNT = 300;
    RenamedModules copies("hello", "hello");
    std::vector<std::string> commands;
    for (size_t i = 1; i <= COUNT; i++)
        commands.push_back("insmod " + copies.make(numbered("h", i, 4))); // h0001 ... h0300
    commands.push_back("cat /proc/modules");
    for (size_t i = COUNT; i >= 1; i--)
        commands.push_back("rmmod " + numbered("h", i, 4));
    commands.push_back("cat /proc/modules");

    ScaleRun run = run_commands(commands);
    REQUIRE(run.results.size() == 2 * COUNT + 2);
    for (size_t i = 0; i < COUNT; i++) {
        INFO(run.results[i].command << ": " << run.results[i].error);
        REQUIRE(run.results[i].ok);
    }
    std::vector<std::string> listed = lines_of(run.results[COUNT].output);
    REQUIRE(listed.size() == COUNT);
    std::set<std::string> names;
    for (const std::string& line : listed)
        names.insert(line.substr(0, line.find(' ')));
    CHECK(names.size() == COUNT);
    CHECK(names.count("h0001"));
    CHECK(names.count("h0300"));
    CHECK(contains(listed.front(), "h0300 12288 0 - Live ")); // newest first, as Linux lists them

    // All 300 in the module area at once: hello's core is 3 pages (its init pages are freed).
    const lkm_meminfo& baseline = run.meminfo.at(0);
    const lkm_meminfo& loaded = run.meminfo.at(COUNT);
    CHECK(loaded.module_area_pages == baseline.module_area_pages + 3 * COUNT);

    for (size_t i = COUNT + 1; i <= 2 * COUNT; i++) {
        INFO(run.results[i].command << ": " << run.results[i].error);
        REQUIRE(run.results[i].ok);
    }
    CHECK(run.results.back().output.empty());
    CHECK_MEMINFO_EQUAL(run.meminfo.back(), baseline);
}

TEST_CASE("module: 40 character devices at once, on Linux's dynamic majors, and all go away")
{
    // Each copy registers /dev/lkmemu_cdevNNN (its device name patched like its module name).
    constexpr size_t COUNT = 40;
    RenamedModules copies("chardev", "chardev");
    std::vector<std::string> commands;
    for (size_t i = 1; i <= COUNT; i++)
        commands.push_back("insmod " + copies.make(numbered("cdev", i, 3), { { "lkmemu_chardev", numbered("lkmemu_cdev", i, 3) } }));
    for (size_t i = 1; i <= COUNT; i++)
        commands.push_back("cat " + numbered("/dev/lkmemu_cdev", i, 3));
    for (size_t i = 1; i <= COUNT; i++)
        commands.push_back("rmmod " + numbered("cdev", i, 3));
    commands.push_back("cat /dev/lkmemu_cdev001");

    ScaleRun run = run_commands(commands);
    REQUIRE(run.results.size() == 3 * COUNT + 1);
    // Linux's find_dynamic_major: 254 down to 234 (240 is the harness's), then 511 down to 384.
    std::vector<int> expected;
    for (int major = 254; major >= 234; major--)
        if (major != 240)
            expected.push_back(major);
    for (int major = 511; expected.size() < COUNT; major--)
        expected.push_back(major);
    for (size_t i = 0; i < COUNT; i++) {
        INFO(run.results[i].command << ": " << run.results[i].error);
        REQUIRE(run.results[i].ok);
        const CommandResult& read = run.results[COUNT + i];
        INFO(read.command << ": " << read.error);
        REQUIRE(read.ok);
        CHECK(read.output == numbered("lkmemu_cdev", i + 1, 3) + ": open #1, major " + std::to_string(expected[i]) + "\n");
        CHECK(run.results[2 * COUNT + i].ok);
    }
    CHECK(run.results.back().status == -LKM_ENOENT);
    CHECK_MEMINFO_EQUAL(run.meminfo.back(), run.meminfo.at(0));
}

TEST_CASE("open: a path of 4095 bytes is looked up, one of 4096 is ENAMETOOLONG (Linux's PATH_MAX)")
{
    // With its NUL, PATH_MAX bytes, in components of NAME_MAX (255) bytes ("/aaa.../aaa...").
    std::string longest;
    while (longest.size() < 4095)
        longest += longest.size() % 256 == 0 ? '/' : 'a';
    auto s = run_observed("cat " + longest + "; cat " + longest + "a; cat /proc/modules");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).status == -LKM_ENOENT); // copied whole and looked up: no such file
    CHECK(s.result(1).status == -LKM_ENAMETOOLONG);
    CHECK(s.result(2).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo); // the path buffers went back
}
