#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

TEST_CASE("the kernel boots to its ring-3 init and powers off cleanly")
{
    Session s = run_session("");
    CHECK(s.stop.reason == StopReason::PowerOff);
    CHECK(s.stop.guest_status == 0);
    CHECK(s.machine->user_mode_reached());
    CHECK(s.machine->guest_instructions() > 0);
    CHECK(contains(s.console(), "Run /init as init process"));
}

TEST_CASE("dmesg is answered by init through syslog(2) and holds the boot log")
{
    Session s = run_session("dmesg");
    REQUIRE(s.results.size() == 1);
    CHECK(s.result(0).ok);
    CHECK(s.result(0).status == 0);
    CHECK(contains(s.result(0).output, "Run /init as init process"));
    CHECK(s.stop.reason == StopReason::PowerOff);
}

TEST_CASE("poweroff stops the machine before the commands after it")
{
    Session s = run_session("poweroff; dmesg");
    REQUIRE(s.results.size() == 2);
    CHECK(s.result(0).ok);
    CHECK_FALSE(s.result(1).ran);
    CHECK(s.stop.reason == StopReason::PowerOff);
}

TEST_CASE("an unknown command fails and the machine keeps serving the next one")
{
    Session s = run_session("frobnicate; dmesg");
    REQUIRE(s.results.size() == 2);
    CHECK_FALSE(s.result(0).ok);
    CHECK(contains(s.result(0).error, "unknown command 'frobnicate'"));
    CHECK(s.result(1).ok);
}
