// /proc/sys (kernel/sysctl.cpp).
#pragma once

void sysctl_init(); // after vfs_init: registers /proc/sys/kernel/tainted
