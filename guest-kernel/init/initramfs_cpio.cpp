// The newc cpio reader (the format of Linux's init/initramfs.c and GNU cpio -H newc): pure work
// over the archive's bytes, so the kernel checks a whole archive before it writes anything, and
// the host tests every refusal (tests/kernel/initramfs_test.cpp).
//
// An entry: a 110-byte header ("070701" and 13 fields of 8 hex digits), the name (namesize bytes,
// NUL included), zeros to a multiple of 4, the data (filesize bytes), zeros to a multiple of 4.
// An archive ends with an entry named TRAILER!!!; archives may follow each other, with zeros
// between them (Linux's initramfs takes the concatenation, as the boot loader gives it).
#include <kernel/initramfs.h>
#include <kernel/string.h>

namespace {

constexpr size_t HEADER_SIZE = 110;
constexpr u32 S_IFMT_ = 0170000;
constexpr u32 S_IFSOCK_ = 0140000, S_IFLNK_ = 0120000, S_IFREG_ = 0100000, S_IFBLK_ = 0060000,
              S_IFDIR_ = 0040000, S_IFCHR_ = 0020000, S_IFIFO_ = 0010000;
constexpr size_t CONTEXT_NAME_MAX = 100; // of a name quoted in an error, the rest cut

enum Field { Ino, Mode, Uid, Gid, Nlink, Mtime, Filesize, DevMajor, DevMinor, RdevMajor, RdevMinor, Namesize, Check, FieldCount };
const char* const non_hex_reasons[FieldCount] = { "non-hex digit in c_ino", "non-hex digit in c_mode",
    "non-hex digit in c_uid", "non-hex digit in c_gid", "non-hex digit in c_nlink", "non-hex digit in c_mtime",
    "non-hex digit in c_filesize", "non-hex digit in c_devmajor", "non-hex digit in c_devminor",
    "non-hex digit in c_rdevmajor", "non-hex digit in c_rdevminor", "non-hex digit in c_namesize",
    "non-hex digit in c_check" };

size_t pad4(size_t n) { return (n + 3) & ~size_t(3); }

void append(char* out, size_t out_size, size_t& at, const char* text, size_t n)
{
    for (size_t i = 0; i < n && text[i] && at + 1 < out_size; i++) {
        char c = text[i];
        out[at++] = c >= 0x20 && c < 0x7f ? c : '?';
    }
    out[at] = '\0';
}

void append_decimal(char* out, size_t out_size, size_t& at, u64 value)
{
    char digits[24];
    size_t n = 0;
    do {
        digits[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value);
    while (n && at + 1 < out_size)
        out[at++] = digits[--n];
    out[at] = '\0';
}

// The error naming the entry: "entry N (NAME)", or "entry N" before its name is known.
lkm::Error refuse(int code, const char* reason, size_t index, const char* name = nullptr, size_t name_size = 0)
{
    lkm::Error error = lkm::Error::from_errno(code, reason);
    size_t at = 0;
    append(error.context, sizeof error.context, at, "entry ", 6);
    append_decimal(error.context, sizeof error.context, at, index);
    if (name) {
        append(error.context, sizeof error.context, at, " (", 2);
        append(error.context, sizeof error.context, at, name, min(name_size, CONTEXT_NAME_MAX));
        if (strnlen(name, name_size) > CONTEXT_NAME_MAX)
            append(error.context, sizeof error.context, at, "...", 3);
        append(error.context, sizeof error.context, at, ")", 1);
    }
    return error;
}

int hex_value(u8 c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// The compressions Linux's initramfs recognises by their magic (lib/decompress.c): named in
// the refusal, since this kernel has no decompressor.
const char* compression_of(const u8* p, size_t left)
{
    struct magic { u8 bytes[6]; size_t length; const char* name; };
    static const magic magics[] = {
        { { 0x1f, 0x8b }, 2, "gzip compressed (this kernel has no decompressor)" },
        { { 0x1f, 0x9e }, 2, "gzip compressed (this kernel has no decompressor)" },
        { { 'B', 'Z', 'h' }, 3, "bzip2 compressed (this kernel has no decompressor)" },
        { { 0x5d, 0x00, 0x00 }, 3, "lzma compressed (this kernel has no decompressor)" },
        { { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, "xz compressed (this kernel has no decompressor)" },
        { { 0x89, 'L', 'Z', 'O' }, 4, "lzo compressed (this kernel has no decompressor)" },
        { { 0x02, 0x21, 0x4c, 0x18 }, 4, "lz4 compressed (this kernel has no decompressor)" },
        { { 0x28, 0xb5, 0x2f, 0xfd }, 4, "zstd compressed (this kernel has no decompressor)" },
    };
    for (const magic& m : magics)
        if (left >= m.length && memcmp(p, m.bytes, m.length) == 0)
            return m.name;
    return nullptr;
}

bool has_dotdot_component(const char* name)
{
    for (const char* p = name; *p;) {
        while (*p == '/')
            p++;
        const char* end = p;
        while (*end && *end != '/')
            end++;
        if (end - p == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p = end;
    }
    return false;
}

bool valid_type(u32 mode)
{
    switch (mode & S_IFMT_) {
    case S_IFREG_: case S_IFDIR_: case S_IFLNK_: case S_IFCHR_: case S_IFBLK_: case S_IFIFO_: case S_IFSOCK_:
        return true;
    default:
        return false;
    }
}

} // namespace

lkm::ErrorOr<size_t> cpio_parse(const u8* data, size_t size, cpio_visitor* visitor)
{
    size_t at = 0, index = 0, archive = 0;
    bool in_archive = false; // past an archive's first header, before its TRAILER!!!
    while (at < size) {
        if (!in_archive) {
            // Between archives: zeros, then the next one on a 4-byte boundary.
            while (at < size && data[at] == 0)
                at++;
            if (at == size)
                break;
            if (const char* compression = compression_of(data + at, size - at))
                return index == 0 && at == 0
                           ? lkm::Error::from_errno(LKM_EINVAL, compression)
                           : refuse(LKM_EINVAL, compression, index);
            if (at % 4)
                return refuse(LKM_EINVAL, "broken padding", index);
        }
        const u8* header = data + at;
        size_t const left = size - at;
        size_t const magic_bytes = min<size_t>(left, 6);
        if (memcmp(header, "070701", magic_bytes) != 0 && memcmp(header, "070702", magic_bytes) != 0) {
            if (index == 0 && at == 0)
                return lkm::Error::from_errno(LKM_EINVAL, "no cpio magic");
            return refuse(LKM_EINVAL, "no cpio magic", index);
        }
        if (left < HEADER_SIZE)
            return refuse(LKM_EINVAL, "truncated header", index);
        bool const with_checksum = header[5] == '2';
        u32 field[FieldCount];
        for (int f = 0; f < FieldCount; f++) {
            u32 value = 0;
            for (int i = 0; i < 8; i++) {
                int digit = hex_value(header[6 + f * 8 + i]);
                if (digit < 0)
                    return refuse(LKM_EINVAL, non_hex_reasons[f], index);
                value = value << 4 | static_cast<u32>(digit);
            }
            field[f] = value;
        }
        size_t const name_size = field[Namesize];
        const char* name = reinterpret_cast<const char*>(header + HEADER_SIZE);
        size_t const name_left = left - HEADER_SIZE;
        if (name_size == 0)
            return refuse(LKM_EINVAL, "empty name", index);
        if (name_size > CPIO_PATH_MAX)
            return refuse(LKM_ENAMETOOLONG, "name longer than PATH_MAX", index, name, name_left);
        if (name_size > name_left)
            return refuse(LKM_EINVAL, "truncated name", index, name, name_left);
        if (name[name_size - 1] != '\0' || strnlen(name, name_size) != name_size - 1)
            return refuse(LKM_EINVAL, "name without its NUL at c_namesize", index, name, name_size);
        if (name_size == 1)
            return refuse(LKM_EINVAL, "empty name", index);

        size_t const data_at = pad4(HEADER_SIZE + name_size);
        if (strcmp(name, "TRAILER!!!") == 0) {
            // The end of this archive: its padding may be missing at the very end of the image.
            at = min(at + data_at, size);
            in_archive = false;
            archive++;
            continue;
        }
        if (data_at > left)
            return refuse(LKM_EINVAL, "truncated name padding", index, name, name_size);
        size_t const file_size = field[Filesize];
        if (file_size > left - data_at)
            return refuse(LKM_EINVAL, "file size larger than what is left of the archive", index, name, name_size);
        size_t const next = data_at + pad4(file_size);
        if (next > left)
            return refuse(LKM_EINVAL, "truncated data padding", index, name, name_size);

        u32 const mode = field[Mode];
        if (!valid_type(mode))
            return refuse(LKM_EINVAL, "mode has no known file type", index, name, name_size);
        if (mode & ~(S_IFMT_ | 07777))
            return refuse(LKM_EINVAL, "mode has bits beyond 07777", index, name, name_size);
        if (has_dotdot_component(name))
            return refuse(LKM_EINVAL, "name has a `..' component", index, name, name_size);
        const u8* body = header + data_at;
        u32 const type = mode & S_IFMT_;
        if (type == S_IFLNK_) {
            if (file_size == 0)
                return refuse(LKM_EINVAL, "symlink without a target", index, name, name_size);
            if (file_size >= CPIO_PATH_MAX)
                return refuse(LKM_ENAMETOOLONG, "symlink target longer than PATH_MAX", index, name, name_size);
            if (strnlen(reinterpret_cast<const char*>(body), file_size) != file_size)
                return refuse(LKM_EINVAL, "symlink target holds a NUL", index, name, name_size);
        } else if (type != S_IFREG_ && file_size != 0) {
            return refuse(LKM_EINVAL, "data for an entry that is not a file or symlink", index, name, name_size);
        }
        if (with_checksum && type == S_IFREG_) {
            u32 sum = 0;
            for (size_t i = 0; i < file_size; i++)
                sum += body[i];
            if (sum != field[Check])
                return refuse(LKM_EINVAL, "checksum mismatch (070702)", index, name, name_size);
        }

        if (visitor) {
            cpio_entry const entry { index, archive, at, name, field[Ino], mode, field[Uid], field[Gid],
                field[Nlink], static_cast<s64>(field[Mtime]), field[DevMajor], field[DevMinor],
                field[RdevMajor], field[RdevMinor], body, file_size };
            TRY(visitor->entry(entry));
        }
        index++;
        in_archive = true;
        at += next;
    }
    if (in_archive)
        return refuse(LKM_EINVAL, "archive ends without TRAILER!!!", index);
    return index;
}

lkm::ErrorOr<void> cpio_entry_path(const char* name, char* out, size_t out_size)
{
    size_t at = 0;
    auto put = [&](char c) {
        if (at + 1 >= out_size)
            return false;
        out[at++] = c;
        return true;
    };
    if (!put('/'))
        return lkm::Error::from_errno(LKM_ENAMETOOLONG, "path longer than its buffer");
    for (const char* p = name; *p;) {
        while (*p == '/')
            p++;
        const char* end = p;
        while (*end && *end != '/')
            end++;
        bool const dot = end - p == 1 && p[0] == '.';
        if (end > p && !dot) {
            if (at > 1 && !put('/'))
                return lkm::Error::from_errno(LKM_ENAMETOOLONG, "path longer than its buffer");
            for (const char* c = p; c < end; c++)
                if (!put(*c))
                    return lkm::Error::from_errno(LKM_ENAMETOOLONG, "path longer than its buffer");
        }
        p = end;
    }
    out[at] = '\0';
    return {};
}
