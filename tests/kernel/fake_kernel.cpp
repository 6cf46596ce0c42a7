#include "fake_kernel.h"

#include <cstdarg>
#include <cstdio>
#include <stdexcept>

std::vector<std::string>& fake_printk_log()
{
    static std::vector<std::string> log;
    return log;
}

int printk(const char* fmt, ...)
{
    char message[512];
    va_list args;
    va_start(args, fmt);
    int n = std::vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    fake_printk_log().push_back(message);
    return n;
}

void panic(const char* fmt, ...)
{
    char message[256];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    throw std::logic_error(std::string("panic: ") + message);
}

unsigned& fake_taints()
{
    static unsigned taints;
    return taints;
}

void add_kernel_taint(unsigned flag) { fake_taints() |= 1u << flag; }

void dump_stack() { fake_printk_log().push_back("Call Trace: (host)"); }
