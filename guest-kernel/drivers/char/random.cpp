// A deterministic random number generator and getrandom(2) (Linux's drivers/char/random.c has
// the same shape: a ChaCha20 "crng" whose key is replaced after every use, "fast key erasure").
// There is no entropy here by design: lkmemu's runs are reproducible, so the pool is keyed from
// random.seed= on the command line (any text; without it a fixed default) and is "ready" from
// boot, which is why GRND_NONBLOCK and GRND_RANDOM never make a call wait or fail.
//
// Keying: the 32-byte key starts as the default's text, and each 32-byte piece of the seed is
// XORed into it and stirred by one ChaCha20 block (the key's next value is the block's first
// half). Generating: one block per 32 bytes of output with the counter counting; afterwards the
// key becomes the first half of one more block, so that the bytes handed out cannot be derived
// back from the state.
#include <lkmemu/errno.h>
#include <lkmemu/random.h>
#include <asm/uaccess.h>
#include <kernel/init.h>
#include <kernel/random.h>
#include <kernel/string.h>
#include <kernel/syscalls.h>

namespace {

constexpr size_t CHACHA_BLOCK_SIZE = 64;
constexpr size_t CHACHA_KEY_SIZE = 32;
constexpr char DEFAULT_SEED[] = "lkmemu: no random.seed= was given";
constexpr long MAX_RW_COUNT = 0x7ffff000; // what one read or write moves at most (INT_MAX & PAGE_MASK)

u32 g_key[8];
u64 g_generation; // the nonce: how many times the key has been replaced

constexpr u32 rotl(u32 v, int n) { return (v << n) | (v >> (32 - n)); }

void quarter_round(u32* x, int a, int b, int c, int d)
{
    x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 16);
    x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 12);
    x[a] += x[b], x[d] = rotl(x[d] ^ x[a], 8);
    x[c] += x[d], x[b] = rotl(x[b] ^ x[c], 7);
}

// RFC 8439's block function: 20 rounds over the constants, key, 32-bit counter and nonce.
void chacha20_block(const u32 key[8], u32 counter, u64 nonce, u8 out[CHACHA_BLOCK_SIZE])
{
    u32 state[16] = { 0x61707865, 0x3320646e, 0x79622d32, 0x6b206574 }; // "expand 32-byte k"
    for (int i = 0; i < 8; i++)
        state[4 + i] = key[i];
    state[12] = counter;
    state[13] = 0;
    state[14] = static_cast<u32>(nonce);
    state[15] = static_cast<u32>(nonce >> 32);
    u32 x[16];
    for (int i = 0; i < 16; i++)
        x[i] = state[i];
    for (int round = 0; round < 20; round += 2) {
        quarter_round(x, 0, 4, 8, 12), quarter_round(x, 1, 5, 9, 13);
        quarter_round(x, 2, 6, 10, 14), quarter_round(x, 3, 7, 11, 15);
        quarter_round(x, 0, 5, 10, 15), quarter_round(x, 1, 6, 11, 12);
        quarter_round(x, 2, 7, 8, 13), quarter_round(x, 3, 4, 9, 14);
    }
    for (int i = 0; i < 16; i++) {
        u32 word = x[i] + state[i];
        for (int b = 0; b < 4; b++)
            out[4 * i + b] = static_cast<u8>(word >> (8 * b));
    }
}

void load_key(const u8 bytes[CHACHA_KEY_SIZE])
{
    for (int i = 0; i < 8; i++)
        g_key[i] = u32(bytes[4 * i]) | u32(bytes[4 * i + 1]) << 8 | u32(bytes[4 * i + 2]) << 16 | u32(bytes[4 * i + 3]) << 24;
}

// The key's next value: the first half of a block under the current one (fast key erasure).
void replace_key()
{
    u8 block[CHACHA_BLOCK_SIZE];
    chacha20_block(g_key, 0, ~g_generation, block);
    load_key(block);
    g_generation++;
    memset(block, 0, sizeof(block));
}

void absorb(const char* seed, size_t length)
{
    u8 key[CHACHA_KEY_SIZE] = {};
    memcpy(key, DEFAULT_SEED, min(sizeof(DEFAULT_SEED) - 1, sizeof(key)));
    load_key(key);
    g_generation = 0;
    for (size_t at = 0; at < length; at += CHACHA_KEY_SIZE) {
        u8 piece[CHACHA_KEY_SIZE] = {};
        memcpy(piece, seed + at, min(length - at, CHACHA_KEY_SIZE));
        for (int i = 0; i < 8; i++)
            g_key[i] ^= u32(piece[4 * i]) | u32(piece[4 * i + 1]) << 8 | u32(piece[4 * i + 2]) << 16 | u32(piece[4 * i + 3]) << 24;
        replace_key();
    }
    replace_key(); // the seed's length counts too: "a" and "a\0" differ
}

bool g_initialized;

// Keyed at first use, from the command line, which is parsed before anything runs that could ask.
void ensure_initialized()
{
    if (!g_initialized)
        rand_initialize(kernel_cmdline.random_seed, kernel_cmdline.random_seed_length);
}

// Up to 256 KiB per key: the 32-bit counter would allow 256 GiB, but a key that served a large
// request is better replaced before the next (Linux replaces it every block batch too).
constexpr size_t BYTES_PER_KEY = 256 * 1024;

// Produce len bytes into the sink, one block at a time; the key is replaced at the end.
template<typename Sink> size_t generate(size_t len, Sink&& sink)
{
    ensure_initialized();
    size_t done = 0;
    u8 block[CHACHA_BLOCK_SIZE];
    u32 counter = 1; // block 0 under this key/nonce is the next key's
    while (done < len) {
        chacha20_block(g_key, counter++, g_generation, block);
        size_t n = min(len - done, CHACHA_BLOCK_SIZE);
        if (!sink(block, n, done))
            break;
        done += n;
        if (done % BYTES_PER_KEY == 0 && done < len) {
            replace_key();
            counter = 1;
        }
    }
    memset(block, 0, sizeof(block));
    replace_key();
    return done;
}

} // namespace

void rand_initialize(const char* seed, size_t length)
{
    absorb(seed ? seed : "", seed ? length : 0);
    g_initialized = true;
}

void get_random_bytes(void* buf, size_t len)
{
    auto* out = static_cast<u8*>(buf);
    generate(len, [out](const u8* block, size_t n, size_t at) {
        memcpy(out + at, block, n);
        return true;
    });
}

// getrandom(2): up to MAX_RW_COUNT bytes per call; a fault after some bytes returns how many
// were written, one at the first byte EFAULT (as Linux's get_random_bytes_user).
long sys_getrandom(u64 ubuf, size_t len, unsigned flags)
{
    if (flags & ~unsigned(LKM_GRND_NONBLOCK | LKM_GRND_RANDOM | LKM_GRND_INSECURE))
        return -LKM_EINVAL;
    if ((flags & (LKM_GRND_INSECURE | LKM_GRND_RANDOM)) == (LKM_GRND_INSECURE | LKM_GRND_RANDOM))
        return -LKM_EINVAL; // Linux: the two ask for opposite things
    len = min(len, static_cast<size_t>(MAX_RW_COUNT));
    if (len == 0)
        return 0;
    size_t copied = 0;
    generate(len, [ubuf, &copied](const u8* block, size_t n, size_t at) {
        size_t left = copy_to_user(ubuf + at, block, n);
        copied += n - left;
        return left == 0;
    });
    return copied ? static_cast<long>(copied) : -LKM_EFAULT;
}
