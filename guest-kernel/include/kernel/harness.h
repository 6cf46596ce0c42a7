// The lkmemu harness driver (drivers/harness.cpp), exposed as /dev/harness.
#pragma once

// Probe the device and register /dev/harness. Without a device (QEMU) the node exists but
// open() fails with ENODEV, which is how init learns that no host is attached. With one, the
// first open (init's) holds it: any other is EBUSY until that file is closed.
void harness_init();
