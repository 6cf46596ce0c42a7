// Boot self-tests, chosen with selftest= on the command line.
#pragma once

// selftest=faults (kernel/selftest_faults.cpp). Does not return: it ends in an oops and a panic.
[[noreturn]] void selftest_faults();

// selftest=wx (kernel/selftest_wx.cpp): W^X holds for the kernel image and the direct map.
// Returns when it does; panics otherwise.
void selftest_wx();
