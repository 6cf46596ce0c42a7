// Memory a test case allocates with kunit_kmalloc / kunit_kzalloc / kunit_kcalloc (Linux's
// lib/kunit/resource.c, kunit_kmalloc_array): on the case's list, freed when the case ends,
// whether it passed, failed or was aborted. A header before each block links it (O(1) to add and
// to free); blocks stay 16-byte aligned as kmalloc's.
#include "internal.h"

#include <kernel/printk.h>
#include <kernel/slab.h>

static_assert(sizeof(kunit_allocation) % 16 == 0, "blocks after the header stay 16-byte aligned");

void kunit_init_allocations(kunit_runner* runner)
{
    runner->allocations.prev = runner->allocations.next = &runner->allocations;
}

void kunit_free_allocations(kunit_runner* runner)
{
    kunit_allocation* head = &runner->allocations;
    while (head->next != head) {
        kunit_allocation* block = head->next;
        head->next = block->next;
        block->owner = nullptr;
        kfree(block);
    }
    head->prev = head;
}

extern "C" void* kunit_kmalloc_array(kunit* test, size_t n, size_t size, unsigned gfp)
{
    (void)gfp; // the kernel's kmalloc never sleeps and always zeroes
    size_t bytes;
    if (__builtin_mul_overflow(n, size, &bytes) || __builtin_add_overflow(bytes, sizeof(kunit_allocation), &bytes))
        return nullptr;
    kunit_runner* runner = test->runner;
    auto* block = static_cast<kunit_allocation*>(kmalloc(bytes));
    if (!block)
        return nullptr;
    kunit_allocation* head = &runner->allocations;
    block->owner = runner;
    block->size = bytes - sizeof(kunit_allocation);
    block->next = head;
    block->prev = head->prev;
    head->prev->next = block;
    head->prev = block;
    return block + 1;
}

extern "C" void kunit_kfree(kunit* test, const void* pointer)
{
    if (!pointer)
        return;
    auto* block = const_cast<kunit_allocation*>(static_cast<const kunit_allocation*>(pointer) - 1);
    if (block->owner != test->runner) {
        test->status = KUNIT_FAILURE;
        pr_err(KUNIT_SUBTEST_INDENT "# %s: kunit_kfree: %016lx already freed or not allocated by kunit\n", test->name,
               reinterpret_cast<u64>(pointer));
        return;
    }
    block->prev->next = block->next;
    block->next->prev = block->prev;
    block->owner = nullptr;
    kfree(block);
}
