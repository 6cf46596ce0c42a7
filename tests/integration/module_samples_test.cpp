// The samples that need more than load and unload: timers and references (holder), a character
// device read from user space (chardev), C++ constructors (cxx_demo), a large module (big).
#include "module_support.h"

#include <lkmemu/fcntl.h>

using namespace lkmemu;
using namespace lkmemu::testing;

// holder takes its reference from a timer callback at the first tick after its init. Ticks come
// from the PIT on guest time; the kernel runs with interrupts off, and a tick that came due
// meanwhile is taken the moment init returns to user mode (as on hardware). 50 ms of guest time
// pass before each of ten lsmods so that ticks come due; by the last one the reference is held
// (for 2000 ms from the first tick).
TEST_CASE("module: holder's reference makes rmmod fail with EWOULDBLOCK, rmmod -w waits for it")
{
    std::string commands = "insmod " + module_path("holder") + "; ";
    std::set<size_t> pauses;
    for (size_t i = 1; i <= 10; i++) {
        commands += "cat /proc/modules; ";
        pauses.insert(i);
    }
    commands += "rmmod holder; rmmod -w holder; cat /proc/modules; dmesg";
    auto s = run_observed(commands, "", pauses);
    REQUIRE(s.results.size() == 15);
    CHECK(s.result(0).ok);
    REQUIRE(s.result(10).output == "holder 12288 1 - Live 0xffffffffa0000000\n");
    CHECK(s.result(11).status == -LKM_EWOULDBLOCK);
    CHECK(s.result(11).error == "rmmod: ERROR: Module holder is in use"); // kmod's words: a reference, no holder
    CHECK(s.result(12).ok); // -w: init retried, sleeping in nanosleep, until the reference was dropped
    const std::string& log = s.result(14).output;
    CHECK(contains(log, "holder: took a reference on itself"));
    CHECK(contains(log, "holder: dropped its reference"));
    CHECK(log.find("holder: dropped its reference") < log.find("holder: unloading"));
    CHECK(s.result(13).output.empty());
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: rmmod -f removes a module whatever references it holds")
{
    auto s = run_observed("insmod " + module_path("holder") + " hold_ms=0; cat /proc/modules; rmmod -f holder; cat /proc/modules", "", { 1 });
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(0).ok);
    CHECK(s.result(2).ok);
    CHECK(s.result(3).output.empty());
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

namespace {

// Raw harness requests, for what the command runner has no command for yet (READ_FILE).
class RawHost final : public HarnessHost {
public:
    struct Reply {
        int32_t status;
        std::string text;
    };
    // A request's bytes, and its data, which the guest reads apart (/dev/harness_data).
    struct RawRequest {
        std::vector<uint8_t> message;
        std::vector<uint8_t> data;
    };
    explicit RawHost(std::vector<RawRequest> requests) : m_requests(std::move(requests)) {}
    std::vector<uint8_t> next_request(Machine&) override
    {
        if (m_next >= m_requests.size())
            return request(LKMEMU_HARNESS_OP_POWEROFF).message;
        m_data = m_requests[m_next].data;
        return m_requests[m_next++].message;
    }
    std::unique_ptr<HarnessData> take_request_data() override
    {
        return m_data.empty() ? nullptr : std::make_unique<HarnessBytes>(std::move(m_data));
    }
    void on_response(Machine&, int32_t status, std::string_view text) override
    {
        replies.push_back({ status, std::string(text) });
    }
    static RawRequest request(uint32_t op, const std::string& args = "", const std::vector<uint8_t>& data = {},
                              uint32_t flags = 0)
    {
        // The arguments with their NUL (abi/lkmemu/harness.h).
        lkmemu_harness_request header { op, flags, uint32_t(args.size() + 1), uint32_t(data.size()) };
        std::vector<uint8_t> bytes(sizeof(header));
        std::memcpy(bytes.data(), &header, sizeof(header));
        bytes.insert(bytes.end(), args.c_str(), args.c_str() + args.size() + 1);
        return { bytes, data };
    }
    std::vector<Reply> replies;

private:
    std::vector<RawRequest> m_requests;
    std::vector<uint8_t> m_data; // of the request handed out last
    size_t m_next = 0;
};

std::vector<uint8_t> file_bytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

} // namespace

TEST_CASE("module: chardev's /dev/lkmemu_chardev is read from user space and goes away with rmmod")
{
    RawHost host({
        RawHost::request(LKMEMU_HARNESS_OP_INSMOD, "", file_bytes(module_path("chardev"))),
        RawHost::request(LKMEMU_HARNESS_OP_READ_FILE, "/dev/lkmemu_chardev"),
        RawHost::request(LKMEMU_HARNESS_OP_READ_FILE, "/dev/lkmemu_chardev"),
        RawHost::request(LKMEMU_HARNESS_OP_LSMOD),
        RawHost::request(LKMEMU_HARNESS_OP_RMMOD, "chardev", {}, LKM_O_NONBLOCK),
        RawHost::request(LKMEMU_HARNESS_OP_READ_FILE, "/dev/lkmemu_chardev"),
    });
    MachineConfig config;
    config.kernel_path = LKMEMU_KERNEL_PATH;
    auto created = Machine::create(config);
    REQUIRE_FALSE(created.is_error());
    auto machine = created.release_value();
    machine->set_harness_host(&host);
    RunResult stop = machine->run();
    CHECK(stop.reason == StopReason::PowerOff);
    REQUIRE(host.replies.size() == 7); // and the power-off
    CHECK(host.replies[0].status == 0);
    INFO(host.replies[1].text);
    CHECK(host.replies[1].status == 0);
    CHECK(contains(host.replies[1].text, "lkmemu_chardev: open #1, major 254"));
    CHECK(contains(host.replies[2].text, "lkmemu_chardev: open #2, major 254"));
    CHECK(contains(host.replies[3].text, "chardev 12288 0 - Live"));
    CHECK(host.replies[4].status == 0);
    CHECK(host.replies[5].status == -LKM_ENOENT);
}

TEST_CASE("module: cxx_demo runs its static constructor before init")
{
    auto s = run_observed("insmod " + module_path("cxx_demo") + "; dmesg; rmmod cxx_demo");
    REQUIRE(s.results.size() == 3);
    CHECK(s.result(0).ok);
    const std::string& log = s.result(1).output;
    size_t ctor = log.find("cxx_demo: static constructor ran");
    size_t area = log.find("cxx_demo: total area 21");
    CHECK(ctor != std::string::npos);
    CHECK(area != std::string::npos);
    CHECK(ctor < area);
    CHECK(s.result(2).ok);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: big (over 1 MiB, over 10,000 relocations) loads, checks itself and unloads")
{
    auto s = run_observed("insmod " + module_path("big") + "; cat /proc/modules; dmesg; rmmod big");
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(0).ok);
    CHECK(contains(s.result(1).output, "big "));
    CHECK(contains(s.result(2).output, "big: 1048576 bytes of data and 3000 functions check out"));
    CHECK(s.result(3).ok);
    CHECK_FALSE(s.before(1).wx_anywhere);
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}

TEST_CASE("module: permanent (init, no exit) shows [permanent], refuses rmmod unless forced, "
          "and its ro_after_init data is read-only once init has returned")
{
    auto s = run_observed("insmod " + module_path("permanent") + "; cat /proc/modules; rmmod permanent; rmmod -f permanent; cat /proc/modules; dmesg");
    REQUIRE(s.results.size() == 6);
    CHECK(s.result(0).ok);
    REQUIRE(s.result(1).ok);
    CHECK(s.result(1).output.rfind("permanent ", 0) == 0);
    CHECK(contains(s.result(1).output, " 0 [permanent], Live 0xffffffffa0000000"));

    // Loaded, init returned: .data..ro_after_init is read-only, like rodata.
    const Snapshot& loaded = s.before(1);
    REQUIRE(loaded.modules.size() == 1);
    const ObservedSection* ro_after_init = loaded.modules[0].section(".data..ro_after_init");
    REQUIRE(ro_after_init);
    CHECK(ro_after_init->perms == "r--");
    CHECK_FALSE(loaded.wx_anywhere);

    // No exit: delete_module refuses with EBUSY, as Linux does without O_TRUNC ...
    CHECK(s.result(2).status == -LKM_EBUSY);
    // ... and a forced removal takes it (and taints the kernel).
    CHECK(s.result(3).ok);
    CHECK(s.result(4).output.empty());
    CHECK(contains(s.result(5).output, "permanent: cookie 0x5eed set"));
    CHECK_MEMINFO_EQUAL(s.last().meminfo, s.before(0).meminfo);
}
