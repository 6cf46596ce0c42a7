// cxx_demo: a module in C++. Classes with virtual calls (shapes.cpp), objects on the kernel heap
// through operator new/delete (kmalloc/kfree), and a static constructor that the kernel runs
// from .init_array before init:
//   dmesg: "cxx_demo: static constructor ran (magic 0x1234abcd)"
//          "cxx_demo: square area 9", "cxx_demo: rectangle area 12", "cxx_demo: total area 21"
// init fails with -EINVAL if the constructor did not run.
#include <linux/module.h>

#include "shapes.h"

namespace {

class Registry {
public:
    static constexpr unsigned kMagic = 0x1234abcd;

    // Not constexpr, on purpose: a dynamic initialiser, so the compiler emits an .init_array
    // entry. (Objects with non-trivial destructors at namespace scope are not supported: the
    // kernel has no __cxa_atexit.)
    Registry() : m_magic(kMagic)
    {
        pr_info("cxx_demo: static constructor ran (magic %#x)\n", m_magic);
    }

    bool constructed() const { return m_magic == kMagic; }

private:
    volatile unsigned m_magic;
};

Registry registry;

long report(const Shape& shape)
{
    long area = shape.area();
    pr_info("cxx_demo: %s area %ld\n", shape.name(), area);
    return area;
}

int cxx_demo_init()
{
    if (!registry.constructed()) {
        pr_err("cxx_demo: the static constructor did not run\n");
        return -EINVAL;
    }
    Shape* shapes[] = {make_square(3), make_rectangle(3, 4)};
    long total = 0;
    int status = 0;
    for (Shape* shape : shapes) {
        if (!shape)
            status = -ENOMEM;
        else
            total += report(*shape);
    }
    for (Shape* shape : shapes)
        delete shape;
    if (status == 0)
        pr_info("cxx_demo: total area %ld\n", total);
    return status;
}

void cxx_demo_exit()
{
    pr_info("cxx_demo: unloading\n");
}

} // namespace

module_init(cxx_demo_init);
module_exit(cxx_demo_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("C++ classes, virtual calls and a static constructor");
