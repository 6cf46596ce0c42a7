// /proc/modules is registered by the module subsystem (kernel/module/procfs.cpp), which owns the
// module list it shows. fs_init keeps the place for other /proc files.
#include <kernel/fs.h>

void fs_init() {}
