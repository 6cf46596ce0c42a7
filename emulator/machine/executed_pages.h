// ExecutedPages: for each guest-physical page, the virtual pages it was executable at, as the
// TLB-fill hook granted them. What lets an in-process restore forget only the code it changed.
//
// The engine's translated blocks are found by physical page (QEMU checks a block's physical
// pages on every lookup after a TLB flush), so dropping them needs only the physical pages a
// restore put back. The instruction counter's cached counts are keyed by virtual address, so
// for them the restore needs the virtual pages: those a changed physical page was executable at,
// and those that now translate to another page than the one they were executed from (the page
// tables were put back too). Recorded on every fill that grants execute, not only on fetches:
// QEMU fetches through an entry a data access filled as well. Fills are rare next to blocks (a
// page's entry lasts until the next flush or invlpg), so the record is a hash map probe per fill;
// consecutive fills of the same pair, the common case, skip even that.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace lkmemu {

class ExecutedPages {
public:
    // A TLB entry let the virtual page va_page execute from the physical page pa_page (both
    // page-aligned addresses).
    void note(uint64_t va_page, uint64_t pa_page)
    {
        if (va_page == m_last_va && pa_page == m_last_pa && m_last_valid) [[likely]]
            return;
        std::vector<uint64_t>& virtual_pages = m_by_physical[pa_page];
        bool known = false;
        for (uint64_t va : virtual_pages)
            known |= va == va_page;
        if (!known)
            virtual_pages.push_back(va_page);
        m_last_va = va_page;
        m_last_pa = pa_page;
        m_last_valid = true;
    }

    // What a virtual page translates to now (page-aligned), or nothing if it is not mapped.
    using Translate = std::function<std::optional<uint64_t>(uint64_t va_page)>;

    // After guest memory and the page tables were put back: calls forget(va_page) for every
    // recorded virtual page whose code may differ from what ran there — executable from a page in
    // changed_pages (page-aligned physical addresses, ascending), or now translating to another
    // page or none — and drops those records. The rest stay: their code is what it was.
    void forget_changed(std::span<const uint64_t> changed_pages, const Translate&,
                        const std::function<void(uint64_t va_page)>& forget);

    // Everything translated was dropped (a full flush): nothing recorded describes it any more.
    void clear();

    // Recorded (physical page, virtual page) pairs, for tests and statistics.
    size_t size() const;

private:
    std::unordered_map<uint64_t, std::vector<uint64_t>> m_by_physical; // pa page -> va pages
    uint64_t m_last_va = 0;
    uint64_t m_last_pa = 0;
    bool m_last_valid = false;
};

} // namespace lkmemu
