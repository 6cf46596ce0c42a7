// Doubly linked circular lists through an embedded list_head (Linux's include/linux/list.h): the
// link lives in the object, so linking allocates nothing and unlinking is O(1). The struct is the
// contract's (abi/lkmemu/list.h); these are the kernel's operations on it.
#pragma once

#include <lkmemu/list.h>

inline void INIT_LIST_HEAD(list_head* list)
{
    list->next = list;
    list->prev = list;
}

inline bool list_empty(const list_head* head) { return head->next == head; }

inline void __list_add(list_head* entry, list_head* prev, list_head* next)
{
    next->prev = entry;
    entry->next = next;
    entry->prev = prev;
    prev->next = entry;
}

inline void list_add(list_head* entry, list_head* head) { __list_add(entry, head, head->next); }
inline void list_add_tail(list_head* entry, list_head* head) { __list_add(entry, head->prev, head); }

// Unlinks entry and leaves it pointing at itself, so list_empty(entry) says it is unlinked.
inline void list_del_init(list_head* entry)
{
    entry->prev->next = entry->next;
    entry->next->prev = entry->prev;
    INIT_LIST_HEAD(entry);
}

#define list_entry(ptr, type, member) \
    (reinterpret_cast<type*>(reinterpret_cast<char*>(ptr) - __builtin_offsetof(type, member)))
#define list_first_entry(head, type, member) list_entry((head)->next, type, member)
