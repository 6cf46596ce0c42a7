// The kernel's red-black tree (guest-kernel/lib/rbtree.cpp) on the host: thousands of random
// inserts (duplicate keys among them) and erases, plain and augmented, checked after every step
// against a sorted reference (in-order walks both ways), the red-black invariants (a black root,
// no red child of a red node, one black height, consistent parent pointers, so a height within
// 2 log2(n + 1)) and, augmented, every node's subtree maximum, also after values change in place.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include <kernel/rbtree.h>

namespace {

struct item {
    rb_node node;
    u64 key;
    u64 weight;      // what the augmented tree takes the maximum of
    u64 subtree_max; // the largest weight in this subtree (augmented tree only)
};

item* item_of(rb_node* node) { return rb_entry(node, item, node); }
u64 subtree_max(const rb_node* node) { return node ? rb_entry_const(node, item, node)->subtree_max : 0; }

bool compute_max(rb_node* node)
{
    u64 computed = std::max(item_of(node)->weight, std::max(subtree_max(node->rb_left), subtree_max(node->rb_right)));
    if (computed == item_of(node)->subtree_max)
        return false;
    item_of(node)->subtree_max = computed;
    return true;
}

void copy_max(const rb_node* from, rb_node* to) { item_of(to)->subtree_max = subtree_max(from); }

constexpr rb_augment_callbacks max_augment = { compute_max, copy_max };

bool by_key(const rb_node* a, const rb_node* b)
{
    return rb_entry_const(a, item, node)->key < rb_entry_const(b, item, node)->key;
}

struct subtree_facts {
    int black_height; // black nodes on every path down to a null child, this one's counted
    int height;
    u64 max_weight;
    size_t count;
};

// Checks the invariants of the subtree at node (under parent) and returns its facts.
subtree_facts check_subtree(const rb_node* node, const rb_node* parent, bool augmented)
{
    if (!node)
        return { 1, 0, 0, 0 };
    REQUIRE(rb_parent(node) == parent);
    if (rb_is_red(node)) {
        REQUIRE((!node->rb_left || rb_is_black(node->rb_left)));
        REQUIRE((!node->rb_right || rb_is_black(node->rb_right)));
    }
    const item* it = rb_entry_const(node, item, node);
    if (node->rb_left)
        REQUIRE(rb_entry_const(node->rb_left, item, node)->key <= it->key);
    if (node->rb_right)
        REQUIRE(rb_entry_const(node->rb_right, item, node)->key >= it->key);
    subtree_facts left = check_subtree(node->rb_left, node, augmented);
    subtree_facts right = check_subtree(node->rb_right, node, augmented);
    REQUIRE(left.black_height == right.black_height);
    subtree_facts facts = { left.black_height + (rb_is_black(node) ? 1 : 0), 1 + std::max(left.height, right.height),
                            std::max(it->weight, std::max(left.max_weight, right.max_weight)),
                            1 + left.count + right.count };
    if (augmented)
        REQUIRE(it->subtree_max == facts.max_weight);
    return facts;
}

void check_tree(const rb_root& root, const std::multimap<u64, item*>& reference, bool augmented)
{
    if (root.rb_node)
        REQUIRE(rb_is_black(root.rb_node));
    subtree_facts facts = check_subtree(root.rb_node, nullptr, augmented);
    REQUIRE(facts.count == reference.size());
    REQUIRE(facts.height <= 2 * std::log2(double(reference.size() + 1)) + 1e-9);

    // In order, both ways: the same nodes as the reference, equal keys in insertion order.
    auto expected = reference.begin();
    for (rb_node* n = rb_first(&root); n; n = rb_next(n), ++expected) {
        REQUIRE(expected != reference.end());
        REQUIRE(item_of(n) == expected->second);
    }
    REQUIRE(expected == reference.end());
    auto backwards = reference.rbegin();
    for (rb_node* n = rb_last(&root); n; n = rb_prev(n), ++backwards) {
        REQUIRE(backwards != reference.rend());
        REQUIRE(item_of(n) == backwards->second);
    }
    REQUIRE(backwards == reference.rend());
}

// Random inserts and erases, checked after each step; keys from a small range so that duplicates
// are common, and phases that grow the tree large and shrink it to empty.
void run(bool augmented, unsigned seed)
{
    std::mt19937_64 random(seed);
    rb_root root;
    std::multimap<u64, item*> reference;
    std::vector<std::unique_ptr<item>> items;
    for (int step = 0; step < 6000; step++) {
        bool shrinking = (step / 1500) % 2 == 1;
        bool insert = reference.empty() || random() % 4 < (shrinking ? 1u : 3u);
        if (insert) {
            auto fresh = std::make_unique<item>();
            fresh->key = random() % 700;
            fresh->weight = random() % 100000;
            if (augmented)
                rb_add_augmented(&fresh->node, &root, &max_augment, by_key);
            else
                rb_add(&fresh->node, &root, by_key);
            reference.emplace(fresh->key, fresh.get());
            items.push_back(std::move(fresh));
        } else {
            auto victim = reference.begin();
            std::advance(victim, static_cast<long>(random() % reference.size()));
            if (augmented)
                rb_erase_augmented(&victim->second->node, &root, &max_augment);
            else
                rb_erase(&victim->second->node, &root);
            reference.erase(victim);
        }
        if (augmented && !reference.empty() && random() % 4 == 0) { // a value changes in place
            auto changed = reference.begin();
            std::advance(changed, static_cast<long>(random() % reference.size()));
            changed->second->weight = random() % 100000;
            rb_augment_propagate(&changed->second->node, &max_augment);
        }
        check_tree(root, reference, augmented);
    }
    while (!reference.empty()) {
        rb_erase(&reference.begin()->second->node, &root);
        reference.erase(reference.begin());
    }
    CHECK(root.rb_node == nullptr);
    CHECK(rb_first(&root) == nullptr);
    CHECK(rb_last(&root) == nullptr);
}

} // namespace

TEST_CASE("rbtree: random inserts and erases keep the order and the red-black invariants")
{
    run(false, 1);
    run(false, 2);
}

TEST_CASE("rbtree: the augmented tree keeps every subtree's maximum through rotations and erases")
{
    run(true, 3);
    run(true, 4);
}

TEST_CASE("rbtree: ascending and descending inserts stay balanced")
{
    for (bool descending : { false, true }) {
        rb_root root;
        std::multimap<u64, item*> reference;
        std::vector<std::unique_ptr<item>> items;
        for (u64 i = 0; i < 4096; i++) {
            auto fresh = std::make_unique<item>();
            fresh->key = descending ? 4096 - i : i;
            rb_add(&fresh->node, &root, by_key);
            reference.emplace(fresh->key, fresh.get());
            items.push_back(std::move(fresh));
        }
        check_tree(root, reference, false);
        // Every other one out, from the lowest: the survivors still balanced and in order.
        for (auto it = reference.begin(); it != reference.end();) {
            rb_erase(&it->second->node, &root);
            it = reference.erase(it);
            if (it != reference.end())
                ++it;
        }
        check_tree(root, reference, false);
    }
}
