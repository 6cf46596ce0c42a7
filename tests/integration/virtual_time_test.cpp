// Guest time is virtual (docs/machine.md, "Guest time"): it advances with the instructions the
// guest executes and skips idle time at a halt, so a scripted session is the same on every run,
// and a timer armed for seconds of guest time takes far less wall time. `sleep` lets guest time
// pass with the machine idle. Everything here is asserted on what the guest sees, never on
// wall time — except the realtime test, whose subject is the pacing to it (a lower bound only).
#include "session.h"

#include <chrono>
#include <cstdlib>

using namespace lkmemu;
using namespace lkmemu::testing;

namespace {

std::string holder() { return std::string(LKMEMU_MODULES_DIR) + "/holder.ko"; }

// The printk timestamp, in seconds, of the first console line containing `text`.
double timestamp_of(const std::string& console, const std::string& text)
{
    size_t const at = console.find(text);
    REQUIRE(at != std::string::npos);
    size_t const line = console.rfind('\n', at) == std::string::npos ? 0 : console.rfind('\n', at) + 1;
    REQUIRE(console[line] == '[');
    return std::strtod(console.c_str() + line + 1, nullptr);
}

} // namespace

TEST_CASE("two runs of one script give the same output, console and instruction counts", "[time]")
{
    std::string const script = "insmod " + holder() + " hold_ms=300; rmmod -w holder; dmesg";
    Session first = run_session(script);
    Session second = run_session(script);
    REQUIRE(first.stop.reason == StopReason::PowerOff);
    REQUIRE(second.stop.reason == StopReason::PowerOff);
    REQUIRE(first.results.size() == 3);
    REQUIRE(second.results.size() == first.results.size());
    for (size_t i = 0; i < first.results.size(); ++i) {
        INFO(first.result(i).command);
        CHECK(first.result(i).ok);
        CHECK(first.result(i).output == second.result(i).output);
        CHECK(first.result(i).error == second.result(i).error);
        CHECK(first.result(i).guest_instructions == second.result(i).guest_instructions);
    }
    CHECK(first.console() == second.console());
    CHECK(first.machine->guest_instructions() == second.machine->guest_instructions());
    CHECK(first.machine->guest_time_ns() == second.machine->guest_time_ns());
    CHECK_THAT(first.result(2).output, Catch::Contains("holder: dropped its reference"));
}

TEST_CASE("rmmod -w waits out a 3 s hold in guest time", "[time]")
{
    Session s = run_session("insmod " + holder() + " hold_ms=3000; rmmod -w holder");
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    double const took = timestamp_of(s.console(), "holder: took a reference on itself");
    double const dropped = timestamp_of(s.console(), "holder: dropped its reference");
    double const unloaded = timestamp_of(s.console(), "holder: unloading");
    CHECK(dropped - took >= 2.999);
    CHECK(unloaded >= dropped);
    CHECK(s.machine->guest_time_ns() >= 3'000'000'000ull);
}

TEST_CASE("a module's timer fires while sleep lets guest time pass", "[time]")
{
    // Without the sleep, holder still holds its reference and a plain rmmod is refused.
    Session s = run_session("insmod " + holder() + " hold_ms=1000; sleep 1500ms; rmmod holder; dmesg");
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    REQUIRE(s.results.size() == 4);
    CHECK(s.result(0).ok);
    CHECK(s.result(1).ok);
    CHECK(s.result(2).ok);
    std::string const& log = s.result(3).output;
    size_t const dropped = log.find("holder: dropped its reference");
    REQUIRE(dropped != std::string::npos);
    CHECK(log.find("holder: unloading") > dropped);
    CHECK(timestamp_of(s.console(), "holder: unloading") >= 1.5);
    CHECK(s.machine->guest_time_ns() >= 1'500'000'000ull);

    Session held = run_session("insmod " + holder() + " hold_ms=1000; rmmod holder");
    CHECK_FALSE(held.result(1).ok);
}

// --realtime (and an interactive console) pace guest time to the wall clock: a halt waits for
// the deadline for real, and guest time is never ahead of the wall time since the machine was
// built. The wall clock is read here only to check that pacing, which is what the mode is for.
TEST_CASE("realtime mode: a sleep takes its wall time and guest time does not run ahead", "[time]")
{
    session::SessionOptions options;
    options.kernel_path = LKMEMU_KERNEL_PATH;
    options.commands = "sleep 300ms";
    options.realtime = true;
    auto const started = std::chrono::steady_clock::now();
    Session s = run_session(std::move(options));
    auto const wall_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - started).count());
    REQUIRE(s.stop.reason == StopReason::PowerOff);
    CHECK(s.result(0).ok);
    CHECK(s.machine->guest_time_ns() >= 300'000'000ull);
    CHECK(s.machine->guest_time_ns() <= wall_ns);
    CHECK(wall_ns >= 300'000'000ull);

    // In virtual time the same kind of wait is mostly skipped: 5 s of guest time pass with far
    // fewer than 5 s worth of instructions (the boot alone is some 0.3 s of them).
    Session v = run_session("sleep 5s");
    CHECK(v.machine->guest_time_ns() >= 5'000'000'000ull);
    CHECK(v.machine->guest_instructions() * Machine::ns_per_instruction < 2'000'000'000ull);
}
