// The DER reader (asn1.h).
#include <crypto/asn1.h>

namespace crypto {

lkm::Error der_bad_message(const char* reason) { return lkm::Error::from_errno(LKM_EBADMSG, reason); }

lkm::ErrorOr<der_element> der_reader::next()
{
    size_t left = static_cast<size_t>(m_end - m_next);
    if (left < 2)
        return der_bad_message("ASN.1: element header past the end");
    const uint8_t* start = m_next;
    uint8_t tag = start[0];
    if ((tag & 0x1f) == 0x1f)
        return der_bad_message("ASN.1: multi-byte tag");
    size_t header = 2;
    size_t length = start[1];
    if (length == 0x80)
        return der_bad_message("ASN.1: indefinite length (not DER)");
    if (length > 0x80) {
        size_t count = length & 0x7f;
        if (count > 4 || count > left - 2)
            return der_bad_message("ASN.1: length of length too large");
        if (start[2] == 0)
            return der_bad_message("ASN.1: length not in its shortest form");
        length = 0;
        for (size_t i = 0; i < count; i++)
            length = length << 8 | start[2 + i];
        if (length < 0x80)
            return der_bad_message("ASN.1: length not in its shortest form");
        header += count;
    }
    if (length > left - header)
        return der_bad_message("ASN.1: element longer than what encloses it");
    m_next = start + header + length;
    return der_element { tag, der_span { start + header, length }, der_span { start, header + length } };
}

lkm::ErrorOr<der_span> der_reader::expect(uint8_t tag)
{
    if (peek_tag() != tag)
        return der_bad_message("ASN.1: unexpected tag");
    der_element element = TRY(next());
    return element.contents;
}

lkm::ErrorOr<bool> der_reader::optional(uint8_t tag, der_span* out)
{
    if (peek_tag() != tag)
        return false;
    *out = TRY(expect(tag));
    return true;
}

lkm::ErrorOr<void> der_reader::expect_end() const
{
    if (!at_end())
        return der_bad_message("ASN.1: trailing data in a structure");
    return {};
}

lkm::ErrorOr<der_span> der_unsigned_integer(der_span integer)
{
    if (integer.size == 0 || (integer.data[0] & 0x80))
        return der_bad_message("ASN.1: empty or negative integer");
    while (integer.size > 1 && integer.data[0] == 0) {
        integer.data++;
        integer.size--;
    }
    return integer;
}

lkm::ErrorOr<der_span> der_algorithm_oid(der_reader& reader)
{
    der_reader algorithm(TRY(reader.expect(ASN1_SEQUENCE)));
    der_span oid = TRY(algorithm.expect(ASN1_OID));
    if (!algorithm.at_end()) // parameters: NULL for RSA and SHA-2, whatever else for others
        TRY(algorithm.next());
    TRY(algorithm.expect_end());
    return oid;
}

} // namespace crypto
