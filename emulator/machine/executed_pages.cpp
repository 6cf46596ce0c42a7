#include "machine/executed_pages.h"

#include <algorithm>

namespace lkmemu {

void ExecutedPages::forget_changed(std::span<const uint64_t> changed_pages, const Translate& translate,
                                   const std::function<void(uint64_t va_page)>& forget)
{
    for (auto it = m_by_physical.begin(); it != m_by_physical.end();) {
        uint64_t const pa_page = it->first;
        bool const changed = std::binary_search(changed_pages.begin(), changed_pages.end(), pa_page);
        std::erase_if(it->second, [&](uint64_t va_page) {
            if (!changed && translate(va_page) == pa_page)
                return false;
            forget(va_page);
            return true;
        });
        it = it->second.empty() ? m_by_physical.erase(it) : std::next(it);
    }
    m_last_valid = false;
}

void ExecutedPages::clear()
{
    m_by_physical.clear();
    m_last_valid = false;
}

size_t ExecutedPages::size() const
{
    size_t pairs = 0;
    for (auto const& [pa_page, virtual_pages] : m_by_physical)
        pairs += virtual_pages.size();
    return pairs;
}

} // namespace lkmemu
