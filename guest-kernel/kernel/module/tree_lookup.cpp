// Address -> module (Linux's kernel/module/tree_lookup.c): every module region (core, and init
// while it exists) in a search tree ordered by start address, so that %pS, the oops, fault
// recovery and try_module_get find the module of an address in O(log n) instead of walking the
// module list. Linux uses a latched rbtree for lockless readers; lkmemu has one task and
// interrupts off in the kernel, so a treap does: a binary search tree by address that is also a
// heap by a priority hashed from the address, which keeps it balanced in expectation. Its nodes
// live in struct module, so inserting cannot fail.
#include "internal.h"

namespace {

mod_tree_node* g_root;

u64 mix(u64 x) // splitmix64's finalizer: well-spread priorities for page-aligned addresses
{
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// Splits t into the nodes starting below key (*less) and the others (*rest).
void split(mod_tree_node* t, u64 key, mod_tree_node** less, mod_tree_node** rest)
{
    if (!t) {
        *less = *rest = nullptr;
    } else if (t->start < key) {
        split(t->right, key, &t->right, rest);
        *less = t;
    } else {
        split(t->left, key, less, &t->left);
        *rest = t;
    }
}

// Joins two trees, every node of `low` starting below every node of `high`.
mod_tree_node* merge(mod_tree_node* low, mod_tree_node* high)
{
    if (!low || !high)
        return low ? low : high;
    if (low->priority > high->priority) {
        low->right = merge(low->right, high);
        return low;
    }
    high->left = merge(low, high->left);
    return high;
}

mod_tree_node* insert(mod_tree_node* t, mod_tree_node* node)
{
    if (!t)
        return node;
    if (node->priority > t->priority) {
        split(t, node->start, &node->left, &node->right);
        return node;
    }
    if (node->start < t->start)
        t->left = insert(t->left, node);
    else
        t->right = insert(t->right, node);
    return t;
}

// Removes node if it is in the tree (a region never inserted, or removed already, is not).
mod_tree_node* erase(mod_tree_node* t, mod_tree_node* node)
{
    if (!t)
        return nullptr;
    if (t == node)
        return merge(t->left, t->right);
    if (node->start < t->start)
        t->left = erase(t->left, node);
    else
        t->right = erase(t->right, node);
    return t;
}

void insert_region(module* mod, mod_tree_node& node, const lkm::ModuleMemory& region)
{
    if (!region.size)
        return;
    node = { nullptr, nullptr, mix(region.address), region.address, region.size, mod };
    g_root = insert(g_root, &node);
}

void erase_region(mod_tree_node& node)
{
    if (!node.size)
        return;
    g_root = erase(g_root, &node);
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
    for (const mod_tree_node* t = g_root; t;) {
        if (t->start <= address) {
            best = t;
            t = t->right;
        } else {
            t = t->left;
        }
    }
    return best && address - best->start < best->size ? best->mod : nullptr;
}

bool is_module_address(u64 address) { return mod_find(address) != nullptr; }
