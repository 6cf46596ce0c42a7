// selftest=faults: 1000 page faults and 1000 general-protection faults in a row, each fixed up
// by the kernel's exception table, then a 1001st #GP that is not — and it must still arrive as
// vector 13, not as a double fault (see docs/machine.md, "Contributory faults").
#include "session.h"

using namespace lkmemu;
using namespace lkmemu::testing;

TEST_CASE("1000 #PF and 1000 #GP are each delivered and fixed up, the 1001st keeps its vector")
{
    Session s = run_session("", "selftest=faults");
    INFO(s.console());
    CHECK(s.stop.reason == StopReason::Panic);
    CHECK(contains(s.console(), "1000 page faults fixed up"));
    CHECK(contains(s.console(), "1000 general protection faults fixed up"));
    CHECK(contains(s.console(), "general protection fault"));
    CHECK(contains(s.console(), "vector 13"));
    CHECK_FALSE(contains(s.console(), "double fault"));
}
