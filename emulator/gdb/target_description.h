// The target description gdb reads with qXfer:features:read:target.xml. Announcing it is what
// keeps gdb from guessing a register layout ("Remote 'g' packet reply is too long").
#pragma once

#include <string>

namespace lkmemu::gdb {

// The whole document: architecture i386:x86-64, the features of registers.h in table order.
const std::string& target_description_xml();

} // namespace lkmemu::gdb
