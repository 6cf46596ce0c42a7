// Host stand-ins for printk and panic (fake_kernel.cpp): printk records each message (level
// prefix included) so tests can assert log lines; panic throws std::logic_error("panic: ...").
#pragma once

#include <string>
#include <vector>

std::vector<std::string>& fake_printk_log();
// The flags add_kernel_taint set (1 << TAINT_*); dump_stack logs a placeholder line.
unsigned& fake_taints();
