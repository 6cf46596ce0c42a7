// kmalloc / kfree (mm/slab.cpp): power-of-two size classes up to 1 KiB on shared pages, larger
// requests on their own physically contiguous pages (the harness's DMA buffers need that).
// Memory is zeroed. kernel_meminfo.kmalloc_bytes counts what callers asked for.
#pragma once

#include <kernel/types.h>

void* kmalloc(size_t size);
void kfree(const void* pointer);

// Owns one kmalloc allocation; frees it when it goes out of scope.
template<typename T>
class KBuffer {
public:
    KBuffer() = default;
    explicit KBuffer(size_t count) : m_data(static_cast<T*>(kmalloc(count * sizeof(T)))) {}
    ~KBuffer() { kfree(m_data); }
    KBuffer(const KBuffer&) = delete;
    KBuffer& operator=(const KBuffer&) = delete;
    KBuffer(KBuffer&& other) : m_data(other.m_data) { other.m_data = nullptr; }
    KBuffer& operator=(KBuffer&& other)
    {
        if (this != &other) {
            kfree(m_data);
            m_data = other.m_data;
            other.m_data = nullptr;
        }
        return *this;
    }

    T* get() const { return m_data; }
    explicit operator bool() const { return m_data != nullptr; }
    T* release()
    {
        T* p = m_data;
        m_data = nullptr;
        return p;
    }

private:
    T* m_data = nullptr;
};
