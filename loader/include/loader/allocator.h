// Memory the loader uses, always supplied by its caller: the loader allocates nothing itself.
// - Allocator: scratch memory for the duration of a load (kmalloc in the kernel, malloc on the
//   host), held by RAII Array<T>s inside load_info.
// - ModuleMemoryProvider: the memory the module will run from, one region for its core and one
//   for its init sections. A region has a host pointer (where the loader writes) and an address
//   (what relocations are computed against). In the kernel they are the same; `lkmemu check`
//   writes to malloc'd memory while linking for a trial address in the module area.
#pragma once

#include <loader/error_or.h>
#include <stddef.h>
#include <stdint.h>

namespace lkm {

class Allocator {
public:
    // nullptr when out of memory. alignment is a power of two.
    virtual void* allocate(size_t size, size_t alignment) = 0;
    virtual void deallocate(void* pointer) = 0;

protected:
    ~Allocator() = default; // not deleted through this interface (freestanding: no operator delete)
};

// A zero-initialised array of trivially copyable T from an Allocator, freed on destruction.
template<typename T>
class Array {
public:
    Array() = default;
    Array(const Array&) = delete;
    Array& operator=(const Array&) = delete;
    Array(Array&& other) { take(other); }
    Array& operator=(Array&& other)
    {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    ~Array() { reset(); }

    static ErrorOr<Array> create(Allocator& allocator, size_t count)
    {
        Array array;
        if (count == 0)
            return array;
        if (count > static_cast<size_t>(-1) / sizeof(T))
            return Error::from_errno(LKM_ENOMEM, "array size overflows");
        void* memory = allocator.allocate(count * sizeof(T), alignof(T));
        if (!memory)
            return Error::from_errno(LKM_ENOMEM, "out of memory for loader bookkeeping");
        __builtin_memset(memory, 0, count * sizeof(T));
        array.m_allocator = &allocator;
        array.m_data = static_cast<T*>(memory);
        array.m_count = count;
        return array;
    }

    T& operator[](size_t i) { return m_data[i]; }
    const T& operator[](size_t i) const { return m_data[i]; }
    size_t size() const { return m_count; }
    T* data() { return m_data; }

    void reset()
    {
        if (m_data)
            m_allocator->deallocate(m_data);
        m_allocator = nullptr;
        m_data = nullptr;
        m_count = 0;
    }

private:
    void take(Array& other)
    {
        m_allocator = other.m_allocator;
        m_data = other.m_data;
        m_count = other.m_count;
        other.m_allocator = nullptr;
        other.m_data = nullptr;
        other.m_count = 0;
    }

    Allocator* m_allocator = nullptr;
    T* m_data = nullptr;
    size_t m_count = 0;
};

enum class Region : uint8_t { none, core, init };

// Where one region of the module lives: memory to write, and the address the module runs at.
struct ModuleMemory {
    uint8_t* memory = nullptr;
    uint64_t address = 0;
    size_t size = 0;
};

class ModuleMemoryProvider {
public:
    // size is a non-zero multiple of the page size. The memory must be writable by the loader;
    // the address page-aligned. The kernel protects the region only after linking.
    virtual ErrorOr<ModuleMemory> allocate_region(Region region, size_t size) = 0;
    virtual void free_region(Region region, const ModuleMemory& memory) = 0;

protected:
    ~ModuleMemoryProvider() = default;
};

} // namespace lkm
