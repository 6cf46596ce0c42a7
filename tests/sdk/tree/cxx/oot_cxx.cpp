// An out-of-tree C++ module of one file: the SDK links its operator new/delete in.
#include <linux/module.h>
#include <lkmemu/new.h>

namespace {
struct Counter {
    virtual ~Counter() = default;
    virtual int next() { return ++value; }
    int value = 0;
};
} // namespace

static int oot_cxx_init()
{
    Counter* counter = new (std::nothrow) Counter;
    if (!counter)
        return -ENOMEM;
    counter->next();
    pr_info("oot_cxx: counted to %d\n", counter->next());
    delete counter;
    return 0;
}

static void oot_cxx_exit() {}

module_init(oot_cxx_init);
module_exit(oot_cxx_exit);
MODULE_LICENSE("GPL");
