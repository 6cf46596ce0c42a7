// Compressed modules (.ko.xz, .ko.zst) as kmod reads them (libkmod-file.c): recognised by their
// magic bytes, not their name, and decompressed whole with liblzma or libzstd. The harness's insmod
// and `lkmemu modinfo`/`check` read a module through this, so the kernel always gets the ELF
// image (kmod's own path when the kernel cannot decompress: finit_module's
// MODULE_INIT_COMPRESSED_FILE is EOPNOTSUPP here, as without CONFIG_MODULE_DECOMPRESS).
#pragma once

#include "support/result.h"

#include <cstdint>
#include <span>
#include <vector>

namespace lkmemu {

enum class ModuleCompression { none, xz, zstd };

ModuleCompression module_compression(std::span<const uint8_t> bytes);

// The decompressed image of a compressed file, at most max_unsized_file (256 MiB) bytes;
// an error names the format and what the library said ("xz: Compressed data is corrupt").
Result<std::vector<uint8_t>> decompress_module(std::span<const uint8_t> bytes, ModuleCompression compression);

} // namespace lkmemu
