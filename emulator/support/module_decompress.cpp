#include "support/module_decompress.h"

#include "support/file_contents.h"

#include <fmt/format.h>
#include <lzma.h>
#include <zstd.h>

#include <cstring>

namespace lkmemu {
namespace {

constexpr uint8_t xz_magic[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
constexpr uint8_t zstd_magic[] = { 0x28, 0xb5, 0x2f, 0xfd };

bool starts_with(std::span<const uint8_t> bytes, const uint8_t* magic, size_t size)
{
    return bytes.size() >= size && std::memcmp(bytes.data(), magic, size) == 0;
}

const char* lzma_text(lzma_ret ret)
{
    switch (ret) {
    case LZMA_MEM_ERROR: return "Cannot allocate memory";
    case LZMA_FORMAT_ERROR: return "File format not recognized";
    case LZMA_OPTIONS_ERROR: return "Unsupported compression options";
    case LZMA_DATA_ERROR: return "Compressed data is corrupt";
    case LZMA_BUF_ERROR: return "Unexpected end of input";
    default: return "Internal error (bug)";
    }
}

Result<std::vector<uint8_t>> decompress_xz(std::span<const uint8_t> bytes)
{
    lzma_stream stream = LZMA_STREAM_INIT;
    lzma_ret ret = lzma_stream_decoder(&stream, UINT64_MAX, LZMA_CONCATENATED);
    if (ret != LZMA_OK)
        return make_error(fmt::format("xz: {}", lzma_text(ret)));
    std::vector<uint8_t> out(bytes.size() * 4 + 4096);
    stream.next_in = bytes.data();
    stream.avail_in = bytes.size();
    stream.next_out = out.data();
    stream.avail_out = out.size();
    for (;;) {
        ret = lzma_code(&stream, LZMA_FINISH);
        if (ret == LZMA_STREAM_END)
            break;
        if (ret != LZMA_OK) {
            lzma_end(&stream);
            return make_error(fmt::format("xz: {}", lzma_text(ret)));
        }
        if (stream.avail_out == 0) {
            size_t used = out.size();
            if (used >= max_unsized_file) {
                lzma_end(&stream);
                return make_error("xz: the decompressed module is larger than 256 MiB");
            }
            out.resize(used * 2);
            stream.next_out = out.data() + used;
            stream.avail_out = out.size() - used;
        }
    }
    out.resize(stream.total_out);
    lzma_end(&stream);
    return out;
}

Result<std::vector<uint8_t>> decompress_zstd(std::span<const uint8_t> bytes)
{
    ZSTD_DStream* stream = ZSTD_createDStream();
    if (!stream)
        return make_error("zstd: Cannot allocate memory");
    std::vector<uint8_t> out(bytes.size() * 4 + 4096);
    ZSTD_inBuffer in { bytes.data(), bytes.size(), 0 };
    ZSTD_outBuffer output { out.data(), out.size(), 0 };
    size_t hint = 1;
    while (in.pos < in.size || hint != 0) {
        if (output.pos == output.size) {
            if (out.size() >= max_unsized_file) {
                ZSTD_freeDStream(stream);
                return make_error("zstd: the decompressed module is larger than 256 MiB");
            }
            out.resize(out.size() * 2);
            output.dst = out.data();
            output.size = out.size();
        }
        size_t before_in = in.pos, before_out = output.pos;
        hint = ZSTD_decompressStream(stream, &output, &in);
        if (ZSTD_isError(hint)) {
            std::string why = ZSTD_getErrorName(hint);
            ZSTD_freeDStream(stream);
            return make_error(fmt::format("zstd: {}", why));
        }
        if (in.pos == in.size && hint != 0 && before_in == in.pos && before_out == output.pos &&
            output.pos < output.size) {
            ZSTD_freeDStream(stream);
            return make_error("zstd: Unexpected end of input");
        }
    }
    out.resize(output.pos);
    ZSTD_freeDStream(stream);
    return out;
}

} // namespace

ModuleCompression module_compression(std::span<const uint8_t> bytes)
{
    if (starts_with(bytes, xz_magic, sizeof(xz_magic)))
        return ModuleCompression::xz;
    if (starts_with(bytes, zstd_magic, sizeof(zstd_magic)))
        return ModuleCompression::zstd;
    return ModuleCompression::none;
}

Result<std::vector<uint8_t>> decompress_module(std::span<const uint8_t> bytes, ModuleCompression compression)
{
    switch (compression) {
    case ModuleCompression::xz: return decompress_xz(bytes);
    case ModuleCompression::zstd: return decompress_zstd(bytes);
    case ModuleCompression::none: break;
    }
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

} // namespace lkmemu
