// Sorting and searching exception tables (Linux's lib/extable.c): heapsort by instruction
// address, which needs no memory, then a binary search per fault.
#include <kernel/extable.h>

namespace {

// Entries hold offsets relative to their own fields: swapping two moves each by the distance
// between them, so each offset is rebased by that distance (Linux's swap_ex).
void swap_ex(exception_table_entry* a, exception_table_entry* b)
{
    s32 delta = static_cast<s32>(reinterpret_cast<u8*>(b) - reinterpret_cast<u8*>(a));
    exception_table_entry saved = *a;
    a->insn = b->insn + delta;
    a->fixup = b->fixup + delta;
    b->insn = saved.insn - delta;
    b->fixup = saved.fixup - delta;
}

void sift_down(exception_table_entry* base, size_t root, size_t count)
{
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= count)
            return;
        if (child + 1 < count && ex_insn_addr(&base[child]) < ex_insn_addr(&base[child + 1]))
            child++;
        if (ex_insn_addr(&base[root]) >= ex_insn_addr(&base[child]))
            return;
        swap_ex(&base[root], &base[child]);
        root = child;
    }
}

} // namespace

void sort_extable(exception_table_entry* start, exception_table_entry* finish)
{
    size_t count = static_cast<size_t>(finish - start);
    for (size_t i = count / 2; i-- > 0;)
        sift_down(start, i, count);
    for (size_t end = count; end-- > 1;) {
        swap_ex(&start[0], &start[end]);
        sift_down(start, 0, end);
    }
}

const exception_table_entry* search_extable(const exception_table_entry* base, size_t num, u64 value)
{
    size_t low = 0, high = num;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        u64 insn = ex_insn_addr(&base[mid]);
        if (insn == value)
            return &base[mid];
        if (insn < value)
            low = mid + 1;
        else
            high = mid;
    }
    return nullptr;
}
