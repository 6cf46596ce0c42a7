// RSA PKCS#1 v1.5 verification (rsa.h).
#include <crypto/rsa.h>
#include <crypto/sha256.h>

namespace crypto {
namespace {

// 64-bit limbs, products in 128 bits (one MUL on x86-64): a quarter of the multiply-adds of
// 32-bit limbs, which matters in an emulated kernel.
using limb = uint64_t;
using wide = unsigned __int128;
constexpr unsigned LIMB_BITS = 64;

// DigestInfo ::= SEQUENCE { AlgorithmIdentifier { sha256, NULL }, OCTET STRING (32 bytes) }, the
// bytes before the digest (RFC 8017 9.2, note 1).
constexpr uint8_t SHA256_DIGEST_INFO[] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                           0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };

// Big-endian bytes into k little-endian limbs (zero-extended).
void from_bytes(limb* out, size_t k, der_span bytes)
{
    for (size_t i = 0; i < k; i++)
        out[i] = 0;
    for (size_t i = 0; i < bytes.size; i++) {
        size_t bit = 8 * (bytes.size - 1 - i);
        out[bit / LIMB_BITS] |= limb(bytes.data[i]) << (bit % LIMB_BITS);
    }
}

void to_bytes(uint8_t* out, size_t size, const limb* in)
{
    for (size_t i = 0; i < size; i++) {
        size_t bit = 8 * (size - 1 - i);
        out[i] = static_cast<uint8_t>(in[bit / LIMB_BITS] >> (bit % LIMB_BITS));
    }
}

// a <=> b over k limbs.
int compare(const limb* a, const limb* b, size_t k)
{
    for (size_t i = k; i-- > 0;)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

// a -= b over k limbs.
void subtract(limb* a, const limb* b, size_t k)
{
    limb borrow = 0;
    for (size_t i = 0; i < k; i++) {
        limb d = a[i] - b[i];
        limb next = a[i] < b[i] || (d == 0 && borrow);
        a[i] = d - borrow;
        borrow = next;
    }
}

// x = 2x mod n, for x < n.
void double_mod(limb* x, const limb* n, size_t k)
{
    limb carry = 0;
    for (size_t i = 0; i < k; i++) {
        limb next = x[i] >> (LIMB_BITS - 1);
        x[i] = x[i] << 1 | carry;
        carry = next;
    }
    if (carry || compare(x, n, k) >= 0)
        subtract(x, n, k);
}

// The Montgomery context: n, -n^-1 mod 2^64 and scratch of k + 2 limbs.
struct montgomery {
    const limb* n;
    size_t k;
    limb n0_inverse;
    limb* t;
};

// out = a * b / R mod n, R = 2^(64k) (the CIOS method: multiply and reduce a limb at a time).
// out may be a or b.
void montgomery_multiply(const montgomery& m, limb* out, const limb* a, const limb* b)
{
    size_t k = m.k;
    limb* t = m.t;
    for (size_t i = 0; i < k + 2; i++)
        t[i] = 0;
    for (size_t i = 0; i < k; i++) {
        limb carry = 0;
        for (size_t j = 0; j < k; j++) {
            wide x = wide(t[j]) + wide(a[j]) * b[i] + carry;
            t[j] = static_cast<limb>(x);
            carry = static_cast<limb>(x >> LIMB_BITS);
        }
        wide x = wide(t[k]) + carry;
        t[k] = static_cast<limb>(x);
        t[k + 1] = static_cast<limb>(x >> LIMB_BITS);

        limb q = t[0] * m.n0_inverse; // makes t + q*n divisible by 2^64
        x = wide(t[0]) + wide(q) * m.n[0];
        carry = static_cast<limb>(x >> LIMB_BITS);
        for (size_t j = 1; j < k; j++) {
            x = wide(t[j]) + wide(q) * m.n[j] + carry;
            t[j - 1] = static_cast<limb>(x);
            carry = static_cast<limb>(x >> LIMB_BITS);
        }
        x = wide(t[k]) + carry;
        t[k - 1] = static_cast<limb>(x);
        t[k] = t[k + 1] + static_cast<limb>(x >> LIMB_BITS);
    }
    if (t[k] || compare(t, m.n, k) >= 0)
        subtract(t, m.n, k);
    for (size_t i = 0; i < k; i++)
        out[i] = t[i];
}

// R^2 mod n, which takes a number into Montgomery form. R mod n first: 2^(bits(n)-1) is below n,
// so at most 64 doublings reach 2^(64k) mod n. That is 1 in Montgomery form; doubled, 2; raised
// to the power 64k by Montgomery squarings, 2^(64k) in Montgomery form: R * R mod n.
void montgomery_r_squared(const montgomery& m, limb* r2, limb* two, size_t bits)
{
    size_t k = m.k;
    for (size_t i = 0; i < k; i++)
        two[i] = 0;
    two[(bits - 1) / LIMB_BITS] = limb(1) << ((bits - 1) % LIMB_BITS);
    for (size_t i = bits - 1; i < LIMB_BITS * k + 1; i++)
        double_mod(two, m.n, k); // R mod n, then 2R mod n
    for (size_t i = 0; i < k; i++)
        r2[i] = two[i];
    size_t exponent = LIMB_BITS * k; // r2 = two^exponent in Montgomery form, from the top bit down
    int top = 63 - __builtin_clzll(exponent);
    for (int bit = top - 1; bit >= 0; bit--) {
        montgomery_multiply(m, r2, r2, r2);
        if ((exponent >> bit) & 1)
            montgomery_multiply(m, r2, r2, two);
    }
}

} // namespace

lkm::ErrorOr<void> rsa_verify_sha256(const rsa_public_key& key, der_span signature, const uint8_t* digest,
                                     lkm::Allocator& allocator)
{
    if (key.n.size == 0 || key.n.data[0] == 0 || key.e.size == 0 || key.e.size > key.n.size)
        return lkm::Error::from_errno(LKM_EBADMSG, "RSA: malformed public key");
    if (key.n.size * 8 > RSA_MAX_MODULUS_BITS)
        return lkm::Error::from_errno(LKM_ENOPKG, "RSA: key larger than 4096 bits");
    if (!(key.n.data[key.n.size - 1] & 1))
        return lkm::Error::from_errno(LKM_EBADMSG, "RSA: even modulus");
    if (signature.size != key.n.size)
        return lkm::Error::from_errno(LKM_EINVAL, "RSA: signature length is not the key's");

    size_t k = (key.n.size + sizeof(limb) - 1) / sizeof(limb);
    // n, s, s in Montgomery form, the accumulator, R^2 mod n, 2R mod n, one, the product's scratch.
    auto scratch = TRY(lkm::Array<limb>::create(allocator, 7 * k + k + 2));
    limb* n = scratch.data();
    limb* s = n + k;
    limb* s_mont = s + k;
    limb* acc = s_mont + k;
    limb* r2 = acc + k;
    limb* two = r2 + k;
    limb* one = two + k;
    montgomery m { n, k, 0, one + k };

    from_bytes(n, k, key.n);
    from_bytes(s, k, signature);
    if (compare(s, n, k) >= 0)
        return lkm::Error::from_errno(LKM_EINVAL, "RSA: signature not below the modulus");

    limb inverse = n[0]; // Newton's iteration: each step doubles the correct low bits (3 -> 96)
    for (int i = 0; i < 5; i++)
        inverse *= 2 - n[0] * inverse;
    m.n0_inverse = limb(0) - inverse;

    size_t bits = 8 * key.n.size - static_cast<size_t>(__builtin_clz(key.n.data[0]) - 24);
    montgomery_r_squared(m, r2, two, bits);
    one[0] = 1;

    montgomery_multiply(m, s_mont, s, r2);
    for (size_t i = 0; i < k; i++)
        acc[i] = s_mont[i];
    // Square-and-multiply over e from its top bit (e's top bit is acc = s already).
    bool started = false;
    for (size_t byte = 0; byte < key.e.size; byte++) {
        for (int bit = 7; bit >= 0; bit--) {
            bool set = (key.e.data[byte] >> bit) & 1;
            if (!started) {
                started = set;
                continue;
            }
            montgomery_multiply(m, acc, acc, acc);
            if (set)
                montgomery_multiply(m, acc, acc, s_mont);
        }
    }
    if (!started)
        return lkm::Error::from_errno(LKM_EBADMSG, "RSA: zero exponent");
    montgomery_multiply(m, acc, acc, one); // out of Montgomery form: s^e mod n

    // EM = 0x00 0x01 PS (0xff, at least 8) 0x00 DigestInfo digest, as long as n.
    size_t size = key.n.size;
    auto block_memory = TRY(lkm::Array<uint8_t>::create(allocator, size));
    uint8_t* em = block_memory.data();
    to_bytes(em, size, acc);
    if (em[0] != 0x00 || em[1] != 0x01)
        return lkm::Error::from_errno(LKM_EBADMSG, "RSA: not a PKCS#1 v1.5 signature block");
    size_t pos = 2;
    while (pos < size && em[pos] == 0xff)
        pos++;
    if (pos < 10 || pos == size || em[pos] != 0x00) // at least 8 bytes of padding
        return lkm::Error::from_errno(LKM_EBADMSG, "RSA: bad PKCS#1 v1.5 padding");
    pos++;
    if (size - pos < sizeof(SHA256_DIGEST_INFO) ||
        __builtin_memcmp(em + pos, SHA256_DIGEST_INFO, sizeof(SHA256_DIGEST_INFO)) != 0)
        return lkm::Error::from_errno(LKM_EBADMSG, "RSA: not a sha256 DigestInfo");
    pos += sizeof(SHA256_DIGEST_INFO);
    if (size - pos != SHA256_DIGEST_SIZE || __builtin_memcmp(em + pos, digest, SHA256_DIGEST_SIZE) != 0)
        return lkm::Error::from_errno(LKM_EKEYREJECTED, "RSA: the signature is of other data");
    return {};
}

} // namespace crypto
