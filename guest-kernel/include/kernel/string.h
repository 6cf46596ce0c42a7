// The C string and memory functions (lib/string.cpp). The compiler emits calls to memcpy, memset
// and memmove for struct copies even with -fno-builtin, so these have C linkage.
#pragma once

#include <kernel/types.h>

extern "C" {
void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
size_t strnlen(const char* s, size_t max);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strchr(const char* s, int c);
// Copies at most size-1 bytes and always NUL-terminates (size > 0); returns strlen(src).
size_t strlcpy(char* dst, const char* src, size_t size);
}
