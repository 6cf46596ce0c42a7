// A whole file's bytes in one read: the kernel image, module files, ELF symbol readers and
// command scripts all need the file entire. (Reading through std::istreambuf_iterator costs
// milliseconds for the half-megabyte kernel, at every boot.)
#pragma once

#include "support/result.h"

#include <cstdint>
#include <string>
#include <vector>

namespace lkmemu {

// The file's bytes, or an error that says why it could not be read ("No such file or
// directory", "Is a directory", ...). `error_number`, when given, receives the errno.
Result<std::vector<uint8_t>> read_file_contents(const std::string& path, int* error_number = nullptr);

} // namespace lkmemu
