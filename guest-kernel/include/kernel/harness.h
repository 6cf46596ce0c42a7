// The lkmemu harness driver (drivers/harness.cpp), exposed as /dev/harness.
#pragma once

// Probe the device and register /dev/harness. Without a device (QEMU) the node exists but
// open() fails with ENODEV, which is how init learns that no host is attached.
void harness_init();
