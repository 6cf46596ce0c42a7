// The version and sizes of the structures the kernel publishes for observers outside the guest
// (abi/lkmemu/observer.h): the host checks them before it reads kernel_meminfo or the module
// list. Read only by symbol name, never by kernel code, hence `used`.
#include <lkmemu/observer.h>

extern "C" __attribute__((used)) const struct lkm_observer_abi lkm_observer_abi = {
    .version = LKM_OBSERVER_VERSION,
    .meminfo_size = sizeof(lkm_meminfo),
    .module_size = sizeof(lkm_observed_module),
    .section_size = sizeof(lkm_observed_section),
};
