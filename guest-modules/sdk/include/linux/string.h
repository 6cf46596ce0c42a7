// The kernel's string and memory functions (linux/string.h). The compiler may also emit calls to
// memcpy/memset/memmove on its own (structure copies), so modules always link against these.
#pragma once

#include <linux/types.h>

__LKM_BEGIN_DECLS
void* memcpy(void* dest, const void* src, size_t n);
void* memmove(void* dest, const void* src, size_t n);
void* memset(void* s, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
__LKM_END_DECLS
