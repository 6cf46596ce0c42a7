// A C++ module with static constructors: they land in .init_array, which the loader lays out and
// reports (num_ctors, ctors_address) for the kernel to call before init.
#include "test_module.h"

extern "C" int printk(const char* fmt, ...);

struct Greeter {
    int value;
    Greeter(int v) : value(v) { printk("constructed %d\n", v); }
};

static Greeter first(1);
static Greeter second(2);

extern "C" int ctors_init(void) { return first.value + second.value; }
extern "C" void ctors_exit(void) {}
THIS_MODULE("ctors", ctors_init, ctors_exit);
MODULE_LICENSE("GPL");
