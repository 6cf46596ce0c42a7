// Address -> module (Linux's kernel/module/tree_lookup.c): every module region (core, and init
// while it exists) in a search tree ordered by start address, so that %pS, the oops, fault
// recovery and try_module_get find the module of an address in O(log n) instead of walking the
// module list. Linux uses a latched rbtree for lockless readers; lkmemu has one task and
// interrupts off in the kernel, so the plain red-black tree (lib/rbtree.cpp) does. Its nodes live
// in struct module, so inserting cannot fail.
#include "internal.h"

namespace {

rb_root g_mod_tree;

void insert_region(module* mod, mod_tree_node& node, const lkm::ModuleMemory& region)
{
    if (!region.size)
        return;
    node.start = region.address;
    node.size = region.size;
    node.mod = mod;
    rb_add(&node.node, &g_mod_tree, [](const rb_node* a, const rb_node* b) {
        return rb_entry_const(a, mod_tree_node, node)->start < rb_entry_const(b, mod_tree_node, node)->start;
    });
}

// Removes the region if it is in the tree (a region never inserted, or removed already, is not:
// its node is all zero).
void erase_region(mod_tree_node& node)
{
    if (!node.size)
        return;
    rb_erase(&node.node, &g_mod_tree);
    node = {};
}

} // namespace

void mod_tree_insert(module* mod)
{
    insert_region(mod, mod->core_node, mod->core);
    insert_region(mod, mod->init_node, mod->init);
}

void mod_tree_remove_init(module* mod) { erase_region(mod->init_node); }

void mod_tree_remove(module* mod)
{
    erase_region(mod->init_node);
    erase_region(mod->core_node);
}

struct module* mod_find(u64 address)
{
    // The region starting last at or below address; regions do not overlap.
    const mod_tree_node* best = nullptr;
    for (const rb_node* n = g_mod_tree.rb_node; n;) {
        const mod_tree_node* t = rb_entry_const(n, mod_tree_node, node);
        if (t->start <= address) {
            best = t;
            n = n->rb_right;
        } else {
            n = n->rb_left;
        }
    }
    return best && address - best->start < best->size ? best->mod : nullptr;
}

bool is_module_address(u64 address) { return mod_find(address) != nullptr; }
