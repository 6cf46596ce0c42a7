// Intrusive red-black trees (Linux's include/linux/rbtree.h and rbtree_augmented.h, lib/rbtree.c):
// the node is embedded in the object it orders, so inserting allocates nothing and cannot fail.
// The tree knows nothing of keys: a user walks it to find where a node goes (or uses rb_add with a
// `less`), links it there with rb_link_node, and calls rb_insert_color to rebalance. rb_erase takes
// any node out. The parent pointer and the node's colour share one word (nodes are 8-aligned).
//
// Augmented trees keep in every node a value computed from the node and its children's values
// (the largest free size beneath it, for the module area), and search by it. The rotations and
// the erase keep it right through an rb_augment_callbacks; rb_insert_augmented also computes it on
// the new node's path, so a user only says how to compute and copy the value.
#pragma once

#include <kernel/types.h>

struct rb_node {
    uintptr __rb_parent_color; // the parent, and the colour in bit 0 (0 red, 1 black)
    rb_node* rb_right;
    rb_node* rb_left;
} __attribute__((aligned(sizeof(long))));

struct rb_root {
    rb_node* rb_node = nullptr;
};

// The object a node is embedded in (Linux's rb_entry / container_of).
#define rb_entry(ptr, type, member) \
    (reinterpret_cast<type*>(reinterpret_cast<char*>(ptr) - __builtin_offsetof(type, member)))
#define rb_entry_const(ptr, type, member) \
    (reinterpret_cast<const type*>(reinterpret_cast<const char*>(ptr) - __builtin_offsetof(type, member)))

inline rb_node* rb_parent(const rb_node* node) { return reinterpret_cast<rb_node*>(node->__rb_parent_color & ~uintptr(3)); }
inline bool rb_is_black(const rb_node* node) { return node->__rb_parent_color & 1; }
inline bool rb_is_red(const rb_node* node) { return !rb_is_black(node); }

// Puts a new (red) node at *link, a null child pointer of parent (or the root's) found by a walk.
inline void rb_link_node(rb_node* node, rb_node* parent, rb_node** link)
{
    node->__rb_parent_color = reinterpret_cast<uintptr>(parent);
    node->rb_left = node->rb_right = nullptr;
    *link = node;
}

// lib/rbtree.cpp
void rb_insert_color(rb_node* node, rb_root* root); // after rb_link_node: rebalances
void rb_erase(rb_node* node, rb_root* root);        // node must be in the tree
rb_node* rb_first(const rb_root* root);             // the leftmost node, or nullptr
rb_node* rb_last(const rb_root* root);
rb_node* rb_next(const rb_node* node);              // in order, nullptr after the last
rb_node* rb_prev(const rb_node* node);

// The augmented value, as the user's object keeps it.
struct rb_augment_callbacks {
    // Recompute node's value from node itself and its children's values; true if it changed.
    bool (*compute)(rb_node* node);
    // `to` took `from`'s place in the tree, with the same nodes beneath it: it takes from's value.
    void (*copy)(const rb_node* from, rb_node* to);
};

// After rb_link_node: computes the value of node and on its path up, then rebalances.
void rb_insert_augmented(rb_node* node, rb_root* root, const rb_augment_callbacks* augment);
void rb_erase_augmented(rb_node* node, rb_root* root, const rb_augment_callbacks* augment);
// After what node's own value is computed from changed in place (its order did not): recompute it
// and up the path, as far as anything changes (Linux's RBAUGMENT propagate callback).
void rb_augment_propagate(rb_node* node, const rb_augment_callbacks* augment);

// Links node in order, after the nodes equal to it. less(a, b): a goes left of b.
template<typename Less> void rb_link_in_order(rb_node* node, rb_root* root, Less less)
{
    rb_node** link = &root->rb_node;
    rb_node* parent = nullptr;
    while (*link) {
        parent = *link;
        link = less(node, parent) ? &parent->rb_left : &parent->rb_right;
    }
    rb_link_node(node, parent, link);
}

// Linux's rb_add: rb_link_in_order, then rebalance.
template<typename Less> void rb_add(rb_node* node, rb_root* root, Less less)
{
    rb_link_in_order(node, root, less);
    rb_insert_color(node, root);
}

template<typename Less>
void rb_add_augmented(rb_node* node, rb_root* root, const rb_augment_callbacks* augment, Less less)
{
    rb_link_in_order(node, root, less);
    rb_insert_augmented(node, root, augment);
}
