// Red-black trees (Linux's lib/rbtree.c), iterative, with the augmented variants' hooks.
//
// The properties kept: 1) every node is red or black, 2) the root is black, 3) a red node's
// children are black, 4) every path from a node down to a null child has as many black nodes.
// So the longest path is at most twice the shortest: the height is at most 2 log2(n + 1).
#include <kernel/rbtree.h>

namespace {

constexpr uintptr RB_RED = 0;
constexpr uintptr RB_BLACK = 1;

rb_node* parent_of_word(uintptr parent_color) { return reinterpret_cast<rb_node*>(parent_color & ~uintptr(3)); }
rb_node* red_parent(const rb_node* red) { return reinterpret_cast<rb_node*>(red->__rb_parent_color); }

void set_parent(rb_node* node, rb_node* parent)
{
    node->__rb_parent_color = (node->__rb_parent_color & 1) | reinterpret_cast<uintptr>(parent);
}

void set_parent_color(rb_node* node, rb_node* parent, uintptr color)
{
    node->__rb_parent_color = reinterpret_cast<uintptr>(parent) | color;
}

void set_black(rb_node* node) { node->__rb_parent_color |= RB_BLACK; }

void change_child(rb_node* old, rb_node* replacement, rb_node* parent, rb_root* root)
{
    if (!parent)
        root->rb_node = replacement;
    else if (parent->rb_left == old)
        parent->rb_left = replacement;
    else
        parent->rb_right = replacement;
}

// A rotation's last step: `replacement` takes old's place and colour, old becomes its child.
void rotate_set_parents(rb_node* old, rb_node* replacement, rb_root* root, uintptr color)
{
    rb_node* parent = rb_parent(old);
    replacement->__rb_parent_color = old->__rb_parent_color;
    set_parent_color(old, replacement, color);
    change_child(old, replacement, parent, root);
}

// `replacement` rose over `old` by a rotation: it now holds old's subtree, old holds less.
void augment_rotate(rb_node* old, rb_node* replacement, const rb_augment_callbacks* augment)
{
    if (augment) {
        augment->copy(old, replacement);
        augment->compute(old);
    }
}

void augment_propagate(rb_node* node, const rb_node* stop, const rb_augment_callbacks* augment)
{
    if (!augment)
        return;
    for (; node != stop; node = rb_parent(node))
        if (!augment->compute(node))
            break;
}

// The new red node may have a red parent: recolour upwards, then rotate once or twice. The two
// sides are mirror images: `near` is parent's side of gparent, `far` the uncle's.
void insert_fixup(rb_node* node, rb_root* root, const rb_augment_callbacks* augment)
{
    rb_node* parent = red_parent(node);
    for (;;) {
        if (!parent) { // node is the root: black
            set_parent_color(node, nullptr, RB_BLACK);
            return;
        }
        if (rb_is_black(parent))
            return;
        rb_node* gparent = red_parent(parent); // parent is red, so not the root
        bool const parent_is_left = parent != gparent->rb_right;
        rb_node* rb_node::*const near = parent_is_left ? &rb_node::rb_left : &rb_node::rb_right;
        rb_node* rb_node::*const far = parent_is_left ? &rb_node::rb_right : &rb_node::rb_left;
        rb_node* tmp = gparent->*far;
        if (tmp && rb_is_red(tmp)) { // a red uncle: flip colours, go on from gparent
            set_parent_color(tmp, gparent, RB_BLACK);
            set_parent_color(parent, gparent, RB_BLACK);
            node = gparent;
            parent = rb_parent(node);
            set_parent_color(node, parent, RB_RED);
            continue;
        }
        tmp = parent->*far;
        if (node == tmp) { // node is an inner child: rotate at parent towards near
            tmp = node->*near;
            parent->*far = tmp;
            node->*near = parent;
            if (tmp)
                set_parent_color(tmp, parent, RB_BLACK);
            set_parent_color(parent, node, RB_RED);
            augment_rotate(parent, node, augment);
            parent = node;
            tmp = node->*far;
        }
        // Rotate at gparent towards far.
        gparent->*near = tmp;
        parent->*far = gparent;
        if (tmp)
            set_parent_color(tmp, gparent, RB_BLACK);
        rotate_set_parents(gparent, parent, root, RB_RED);
        augment_rotate(gparent, parent, augment);
        return;
    }
}

// Unlinks node (its successor takes its place if it has two children) and returns the node below
// which a black node went missing, or nullptr if the colours are already right.
rb_node* erase_node(rb_node* node, rb_root* root, const rb_augment_callbacks* augment)
{
    rb_node* child = node->rb_right;
    rb_node* tmp = node->rb_left;
    rb_node* parent;
    rb_node* rebalance;
    uintptr pc;

    if (!tmp) {
        // At most a right child, which is then red with node black: it takes node's place.
        pc = node->__rb_parent_color;
        parent = parent_of_word(pc);
        change_child(node, child, parent, root);
        if (child) {
            child->__rb_parent_color = pc;
            rebalance = nullptr;
        } else {
            rebalance = (pc & 1) == RB_BLACK ? parent : nullptr;
        }
        tmp = parent;
    } else if (!child) {
        // Only a left child, red under a black node.
        tmp->__rb_parent_color = pc = node->__rb_parent_color;
        parent = parent_of_word(pc);
        change_child(node, tmp, parent, root);
        rebalance = nullptr;
        tmp = parent;
    } else {
        rb_node* successor = child;
        rb_node* child2;
        tmp = child->rb_left;
        if (!tmp) {
            // The successor is node's right child.
            parent = successor;
            child2 = successor->rb_right;
            if (augment)
                augment->copy(node, successor);
        } else {
            // The successor is the leftmost of node's right subtree: its right child takes its
            // place there, and it takes node's right subtree.
            do {
                parent = successor;
                successor = tmp;
                tmp = tmp->rb_left;
            } while (tmp);
            child2 = successor->rb_right;
            parent->rb_left = child2;
            successor->rb_right = child;
            set_parent(child, successor);
            if (augment)
                augment->copy(node, successor);
            augment_propagate(parent, successor, augment);
        }
        tmp = node->rb_left;
        successor->rb_left = tmp;
        set_parent(tmp, successor);

        pc = node->__rb_parent_color;
        tmp = parent_of_word(pc);
        change_child(node, successor, tmp, root);
        if (child2) {
            set_parent_color(child2, parent, RB_BLACK);
            rebalance = nullptr;
        } else {
            rebalance = rb_is_black(successor) ? parent : nullptr;
        }
        successor->__rb_parent_color = pc;
        tmp = successor;
    }
    augment_propagate(tmp, nullptr, augment);
    return rebalance;
}

// The paths through parent's left (node == parent->rb_left) or right child lack one black node.
// The two sides are mirror images: `near` is node's side of its parent, `far` the sibling's.
void erase_fixup(rb_node* parent, rb_root* root, const rb_augment_callbacks* augment)
{
    rb_node* node = nullptr;
    for (;;) {
        bool const node_is_left = node != parent->rb_right;
        rb_node* rb_node::*const near = node_is_left ? &rb_node::rb_left : &rb_node::rb_right;
        rb_node* rb_node::*const far = node_is_left ? &rb_node::rb_right : &rb_node::rb_left;
        rb_node* sibling = parent->*far;
        rb_node* tmp1;
        rb_node* tmp2;
        if (rb_is_red(sibling)) { // rotate at parent towards node: node gets a black sibling
            tmp1 = sibling->*near;
            parent->*far = tmp1;
            sibling->*near = parent;
            set_parent_color(tmp1, parent, RB_BLACK);
            rotate_set_parents(parent, sibling, root, RB_RED);
            augment_rotate(parent, sibling, augment);
            sibling = tmp1;
        }
        tmp1 = sibling->*far;
        if (!tmp1 || rb_is_black(tmp1)) {
            tmp2 = sibling->*near;
            if (!tmp2 || rb_is_black(tmp2)) {
                // Sibling and its children black: the sibling turns red, the lack moves up
                // (or a red parent turning black ends it).
                set_parent_color(sibling, parent, RB_RED);
                if (rb_is_red(parent)) {
                    set_black(parent);
                } else {
                    node = parent;
                    parent = rb_parent(node);
                    if (parent)
                        continue;
                }
                return;
            }
            // Rotate at sibling away from node: its red inner child becomes the sibling.
            tmp1 = tmp2->*far;
            sibling->*near = tmp1;
            tmp2->*far = sibling;
            parent->*far = tmp2;
            if (tmp1)
                set_parent_color(tmp1, sibling, RB_BLACK);
            augment_rotate(sibling, tmp2, augment);
            tmp1 = sibling;
            sibling = tmp2;
        }
        // The sibling's outer child is red: rotate at parent towards node and recolour.
        tmp2 = sibling->*near;
        parent->*far = tmp2;
        sibling->*near = parent;
        set_parent_color(tmp1, sibling, RB_BLACK);
        if (tmp2)
            set_parent(tmp2, parent);
        rotate_set_parents(parent, sibling, root, RB_BLACK);
        augment_rotate(parent, sibling, augment);
        return;
    }
}

} // namespace

void rb_insert_color(rb_node* node, rb_root* root) { insert_fixup(node, root, nullptr); }

void rb_erase(rb_node* node, rb_root* root)
{
    if (rb_node* rebalance = erase_node(node, root, nullptr))
        erase_fixup(rebalance, root, nullptr);
}

void rb_insert_augmented(rb_node* node, rb_root* root, const rb_augment_callbacks* augment)
{
    augment->compute(node); // a leaf: its own value
    augment_propagate(rb_parent(node), nullptr, augment);
    insert_fixup(node, root, augment);
}

void rb_erase_augmented(rb_node* node, rb_root* root, const rb_augment_callbacks* augment)
{
    if (rb_node* rebalance = erase_node(node, root, augment))
        erase_fixup(rebalance, root, augment);
}

void rb_augment_propagate(rb_node* node, const rb_augment_callbacks* augment)
{
    augment_propagate(node, nullptr, augment);
}

rb_node* rb_first(const rb_root* root)
{
    rb_node* node = root->rb_node;
    if (node)
        while (node->rb_left)
            node = node->rb_left;
    return node;
}

rb_node* rb_last(const rb_root* root)
{
    rb_node* node = root->rb_node;
    if (node)
        while (node->rb_right)
            node = node->rb_right;
    return node;
}

rb_node* rb_next(const rb_node* node)
{
    if (node->rb_right) { // the leftmost of the right subtree
        rb_node* next = node->rb_right;
        while (next->rb_left)
            next = next->rb_left;
        return next;
    }
    // Else the first ancestor of which node is in the left subtree.
    rb_node* parent;
    while ((parent = rb_parent(node)) && node == parent->rb_right)
        node = parent;
    return parent;
}

rb_node* rb_prev(const rb_node* node)
{
    if (node->rb_left) {
        rb_node* prev = node->rb_left;
        while (prev->rb_right)
            prev = prev->rb_right;
        return prev;
    }
    rb_node* parent;
    while ((parent = rb_parent(node)) && node == parent->rb_left)
        node = parent;
    return parent;
}
