// The snapshot file format (docs/machine.md, "Snapshots"): a fixed header, the command line and
// lkmemu version, the state records (snapshot_records.cpp), and guest RAM page-aligned at
// ram_offset, written sparsely (pages of zeros are holes). All integers little-endian. The
// header's SHA-256 covers every byte before RAM, so a damaged header or state record is refused;
// RAM itself is not hashed (that would cost reading it all, and resuming is meant to cost a mapping).
#include "machine/snapshot.h"
#include "machine/snapshot_records.h"

#include <fmt/format.h>
#include <nettle/sha2.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lkmemu {

static_assert(std::endian::native == std::endian::little, "the snapshot format is written as the host lays it out");

namespace {

constexpr char magic[8] = { 'L', 'K', 'M', 'E', 'M', 'U', 'S', 'N' };
constexpr uint32_t format_version = 2; // 2: the initrd's SHA-256
constexpr uint64_t page_size = 4096;

// The fixed header at offset 0.
struct Header {
    char magic[8];
    uint32_t format_version;
    uint32_t header_size; // sizeof(Header)
    uint8_t kernel_sha256[32];
    uint8_t initrd_sha256[32]; // all zero: booted without an initrd
    uint64_t memory_size;
    uint32_t cmdline_length; // the command line follows the header, then the version string
    uint32_t version_length;
    uint64_t state_offset;
    uint64_t state_length;
    uint64_t ram_offset;
    uint8_t metadata_sha256[32]; // of bytes [0, ram_offset) with this field zeroed
};
static_assert(sizeof(Header) == 152);

std::array<uint8_t, 32> sha256(std::span<const uint8_t> bytes)
{
    sha256_ctx context;
    sha256_init(&context);
    sha256_update(&context, bytes.size(), bytes.data());
    std::array<uint8_t, 32> digest {};
    sha256_digest(&context, digest.size(), digest.data());
    return digest;
}

Result<void> write_all(int fd, const uint8_t* data, size_t size, uint64_t offset, const std::string& what)
{
    while (size) {
        ssize_t const n = pwrite(fd, data, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return make_error(fmt::format("cannot write {}: {}", what, std::strerror(errno)));
        }
        data += n, size -= static_cast<size_t>(n), offset += static_cast<uint64_t>(n);
    }
    return {};
}

Result<void> read_all(int fd, uint8_t* data, size_t size, uint64_t offset, const std::string& what)
{
    while (size) {
        ssize_t const n = pread(fd, data, size, static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return make_error(fmt::format("cannot read snapshot {}: {}", what, n < 0 ? std::strerror(errno) : "unexpected end of file"));
        data += n, size -= static_cast<size_t>(n), offset += static_cast<uint64_t>(n);
    }
    return {};
}

bool page_is_zero(const uint8_t* page)
{
    uint64_t accumulated = 0;
    for (size_t i = 0; i < page_size; i += 8) {
        uint64_t word;
        std::memcpy(&word, page + i, 8);
        accumulated |= word;
    }
    return accumulated == 0;
}

} // namespace

std::string hex(const std::array<uint8_t, 32>& digest)
{
    std::string out;
    for (uint8_t b : digest)
        out += fmt::format("{:02x}", b);
    return out;
}

Result<std::array<uint8_t, 32>> sha256_of_file(const std::string& path)
{
    int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return make_error(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    sha256_ctx context;
    sha256_init(&context);
    std::vector<uint8_t> buffer(1 << 16);
    ssize_t n;
    while ((n = read(fd, buffer.data(), buffer.size())) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int const error = errno;
            close(fd);
            return make_error(fmt::format("cannot read {}: {}", path, std::strerror(error)));
        }
        sha256_update(&context, static_cast<size_t>(n), buffer.data());
    }
    close(fd);
    std::array<uint8_t, 32> digest {};
    sha256_digest(&context, digest.size(), digest.data());
    return digest;
}

MachineSnapshot::MachineSnapshot(std::string path, int fd, SnapshotOrigin origin, MachineState state, uint64_t ram_offset)
    : m_path(std::move(path)), m_fd(fd), m_origin(std::move(origin)), m_state(std::move(state)), m_ram_offset(ram_offset)
{
}

MachineSnapshot::MachineSnapshot(MachineSnapshot&& other) noexcept
    : m_path(std::move(other.m_path)), m_fd(other.m_fd), m_origin(std::move(other.m_origin)),
      m_state(std::move(other.m_state)), m_ram_offset(other.m_ram_offset)
{
    other.m_fd = -1;
}

MachineSnapshot::~MachineSnapshot()
{
    if (m_fd >= 0)
        close(m_fd);
}

Result<uint64_t> MachineSnapshot::write(int fd, const SnapshotOrigin& origin, const MachineState& state, const uint8_t* ram,
                                 const std::vector<uint64_t>& ram_pages, const std::string& what)
{
    std::vector<uint8_t> const records = encode_state(state);
    Header header {};
    std::memcpy(header.magic, magic, sizeof magic);
    header.format_version = format_version;
    header.header_size = sizeof(Header);
    std::memcpy(header.kernel_sha256, origin.kernel_sha256.data(), 32);
    std::memcpy(header.initrd_sha256, origin.initrd_sha256.data(), 32);
    header.memory_size = origin.memory_size;
    header.cmdline_length = static_cast<uint32_t>(origin.cmdline.size());
    header.version_length = static_cast<uint32_t>(origin.lkmemu_version.size());
    header.state_offset = sizeof(Header) + origin.cmdline.size() + origin.lkmemu_version.size();
    header.state_length = records.size();
    header.ram_offset = (header.state_offset + records.size() + page_size - 1) & ~(page_size - 1);

    std::vector<uint8_t> metadata(header.ram_offset, 0);
    std::memcpy(metadata.data() + sizeof(Header), origin.cmdline.data(), origin.cmdline.size());
    std::memcpy(metadata.data() + sizeof(Header) + origin.cmdline.size(), origin.lkmemu_version.data(),
                origin.lkmemu_version.size());
    std::memcpy(metadata.data() + header.state_offset, records.data(), records.size());
    std::memcpy(metadata.data(), &header, sizeof header);
    auto const digest = sha256(metadata);
    std::memcpy(metadata.data() + offsetof(Header, metadata_sha256), digest.data(), 32);

    if (ftruncate(fd, 0) != 0 || ftruncate(fd, static_cast<off_t>(header.ram_offset + origin.memory_size)) != 0)
        return make_error(fmt::format("cannot size {}: {}", what, std::strerror(errno)));
    LKMEMU_TRY(write_all(fd, metadata.data(), metadata.size(), 0, what));
    // Runs of consecutive non-zero pages go out in one write each; zero pages stay holes.
    size_t i = 0;
    while (i < ram_pages.size()) {
        if (page_is_zero(ram + ram_pages[i] * page_size)) {
            ++i;
            continue;
        }
        size_t j = i + 1;
        while (j < ram_pages.size() && ram_pages[j] == ram_pages[j - 1] + 1 && !page_is_zero(ram + ram_pages[j] * page_size))
            ++j;
        uint64_t const first = ram_pages[i] * page_size;
        LKMEMU_TRY(write_all(fd, ram + first, (j - i) * page_size, header.ram_offset + first, what));
        i = j;
    }
    return header.ram_offset;
}

Result<MachineSnapshot> MachineSnapshot::open(const std::string& path)
{
    int const fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return make_error(fmt::format("cannot open snapshot {}: {}", path, std::strerror(errno)));
    MachineSnapshot snapshot(path, fd, {}, {}, 0); // owns fd from here on
    auto refuse = [&](std::string why) { return make_error(fmt::format("snapshot {} is not usable: {}", path, why)); };

    struct stat st {};
    if (fstat(fd, &st) != 0)
        return make_error(fmt::format("cannot stat snapshot {}: {}", path, std::strerror(errno)));
    uint64_t const file_size = static_cast<uint64_t>(st.st_size);
    Header header {};
    if (file_size < sizeof header)
        return refuse(fmt::format("it is {} bytes long, shorter than the {}-byte header (truncated?)", file_size, sizeof header));
    LKMEMU_TRY(read_all(fd, reinterpret_cast<uint8_t*>(&header), sizeof header, 0, path));
    if (std::memcmp(header.magic, magic, sizeof magic) != 0)
        return refuse("it is not an lkmemu snapshot (wrong magic)");
    if (header.format_version != format_version)
        return refuse(fmt::format("format version {}, this lkmemu reads version {}", header.format_version, format_version));
    if (header.header_size != sizeof header || header.ram_offset % page_size != 0 ||
        header.state_offset != sizeof header + uint64_t(header.cmdline_length) + header.version_length ||
        header.state_offset + header.state_length > header.ram_offset || header.memory_size % page_size != 0)
        return refuse("its header is inconsistent (corrupt)");
    if (header.ram_offset > file_size)
        return refuse(fmt::format("it is {} bytes long, shorter than its own header and state ({} bytes): truncated",
                                  file_size, header.ram_offset));
    std::vector<uint8_t> metadata(header.ram_offset);
    LKMEMU_TRY(read_all(fd, metadata.data(), metadata.size(), 0, path));
    std::array<uint8_t, 32> recorded {};
    std::memcpy(recorded.data(), header.metadata_sha256, 32);
    std::memset(metadata.data() + offsetof(Header, metadata_sha256), 0, 32);
    if (sha256(metadata) != recorded)
        return refuse("its header or state records do not match their SHA-256 (corrupt)");
    if (file_size < header.ram_offset + header.memory_size)
        return refuse(fmt::format("it is {} bytes long but its {} MiB of RAM need {} bytes: truncated", file_size,
                                  header.memory_size >> 20, header.ram_offset + header.memory_size));

    SnapshotOrigin& origin = snapshot.m_origin;
    std::memcpy(origin.kernel_sha256.data(), header.kernel_sha256, 32);
    std::memcpy(origin.initrd_sha256.data(), header.initrd_sha256, 32);
    origin.memory_size = header.memory_size;
    auto const* strings = reinterpret_cast<const char*>(metadata.data() + sizeof header);
    origin.cmdline.assign(strings, header.cmdline_length);
    origin.lkmemu_version.assign(strings + header.cmdline_length, header.version_length);

    if (auto why = decode_state({ metadata.data() + header.state_offset, header.state_length }, snapshot.m_state))
        return refuse(*why);
    snapshot.m_ram_offset = header.ram_offset;
    return snapshot;
}

} // namespace lkmemu