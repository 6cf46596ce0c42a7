#include "gdb/session.h"

#include "gdb/packet.h"
#include "gdb/target_description.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace lkmemu::gdb {

namespace {

constexpr uint64_t page_size = 0x1000;
// The one thread the stub shows (the machine has one CPU).
constexpr std::string_view thread_id = "1";

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

// Splits "a,b" / "a:b" at the first `separator`.
std::optional<std::pair<std::string_view, std::string_view>> split(std::string_view s, char separator)
{
    auto at = s.find(separator);
    if (at == std::string_view::npos)
        return std::nullopt;
    return std::pair {s.substr(0, at), s.substr(at + 1)};
}

struct AddressLength {
    uint64_t address;
    uint64_t length;
};

// "ADDR,LEN" as in m, M, X, qXfer offsets.
std::optional<AddressLength> parse_address_length(std::string_view s)
{
    auto parts = split(s, ',');
    if (!parts)
        return std::nullopt;
    auto address = parse_hex_number(parts->first);
    auto length = parse_hex_number(parts->second);
    if (!address || !length)
        return std::nullopt;
    return AddressLength {*address, *length};
}

std::string errno_reply(int code) { return fmt::format("E{:02x}", code & 0xff); }

} // namespace

GdbSession::GdbSession(DebugTarget& target, Log log) : m_target(target), m_log(std::move(log)) {}

lkm::ErrorOr<void> GdbSession::attach()
{
    m_last_stop = TRY(m_target.attach());
    return {};
}

Response GdbSession::handle(std::string_view packet)
{
    m_packet = packet;
    if (packet.empty())
        return {std::string {}};
    std::string_view args = packet.substr(1);
    switch (packet[0]) {
    case '?': return {stop_reply(m_last_stop)};
    case 'q': return handle_query(packet);
    case 'Q': return handle_set(packet);
    case 'v': return handle_v(packet);
    case 'g': return {read_registers()};
    case 'G': return {write_registers(args)};
    case 'p': return {read_register(args)};
    case 'P': return {write_register(args)};
    case 'm': return {read_memory(args)};
    case 'M':
    case 'X': return {write_memory(packet)};
    case 'Z':
    case 'z': return {change_breakpoint(packet)};
    case 'c': return {resume_at(args, ResumeMode::Continue)};
    case 's': return {resume_at(args, ResumeMode::Step)};
    case 'C':
    case 'S': {
        // "C sig[;addr]": the signal is not delivered (the guest has no signals); the address is.
        auto semicolon = args.find(';');
        auto address = semicolon == std::string_view::npos ? std::string_view {} : args.substr(semicolon + 1);
        return {resume_at(address, packet[0] == 'C' ? ResumeMode::Continue : ResumeMode::Step)};
    }
    case 'H': return {"OK"}; // one thread: every thread selection names it
    case 'T': return {"OK"}; // thread 1 is alive
    case 'D':
        m_target.detach();
        return {"OK", SessionEffect::End};
    case 'k':
        m_target.kill();
        return {std::nullopt, SessionEffect::End};
    default: return {std::string {}}; // unsupported: the empty reply, as the protocol asks
    }
}

Response GdbSession::handle_query(std::string_view packet)
{
    if (starts_with(packet, "qSupported"))
        return {fmt::format("PacketSize={:x};qXfer:features:read+;QStartNoAckMode+;swbreak+;hwbreak+;"
                            "vContSupported+",
                            max_packet_size)};
    if (starts_with(packet, "qXfer:features:read:"))
        return {read_feature(packet.substr(std::string_view("qXfer:features:read:").size()))};
    if (starts_with(packet, "qAttached"))
        return {"1"}; // the machine existed before gdb: quitting gdb detaches, it does not kill
    if (packet == "qC")
        return {fmt::format("QC{}", thread_id)};
    if (packet == "qfThreadInfo")
        return {fmt::format("m{}", thread_id)};
    if (packet == "qsThreadInfo")
        return {"l"};
    if (starts_with(packet, "qSymbol"))
        return {"OK"}; // no symbols wanted
    return {std::string {}};
}

Response GdbSession::handle_set(std::string_view packet)
{
    if (packet == "QStartNoAckMode")
        return {"OK", SessionEffect::StartNoAckMode};
    return {std::string {}};
}

Response GdbSession::handle_v(std::string_view packet)
{
    if (packet == "vCont?")
        return {"vCont;c;C;s;S"};
    if (starts_with(packet, "vCont;")) {
        // One thread, all-stop: the first action is the one that applies to it. A thread-
        // specific action names thread 1 (or -1), so it applies too.
        auto actions = packet.substr(std::string_view("vCont;").size());
        if (actions.empty())
            return {protocol_error(ProtocolError::Malformed)};
        switch (actions[0]) {
        case 'c':
        case 'C': return {resume(ResumeMode::Continue)};
        case 's':
        case 'S': return {resume(ResumeMode::Step)};
        default: return {std::string {}};
        }
    }
    if (starts_with(packet, "vKill")) {
        m_target.kill();
        return {"OK", SessionEffect::End};
    }
    return {std::string {}}; // vMustReplyEmpty and everything else we do not do
}

std::string GdbSession::read_registers()
{
    std::string reply;
    reply.reserve(register_file_bytes() * 2);
    std::vector<uint8_t> value;
    for (const auto& info : register_table()) {
        value.assign(info.bytes(), 0);
        auto result = m_target.read_register(info.id, value);
        // A register the target cannot read is "unavailable" (xx), not a failed packet.
        reply += result.is_error() ? std::string(info.bytes() * 2, 'x') : to_hex(value);
    }
    return reply;
}

std::string GdbSession::write_registers(std::string_view packet)
{
    auto bytes = from_hex(packet);
    if (!bytes)
        return protocol_error(ProtocolError::Malformed);
    if (bytes->size() != register_file_bytes())
        return protocol_error(ProtocolError::BadLength);
    size_t offset = 0;
    for (const auto& info : register_table()) {
        std::span<const uint8_t> value(bytes->data() + offset, info.bytes());
        offset += info.bytes();
        if (auto result = m_target.write_register(info.id, value); result.is_error())
            return target_error(result.error(), info.name);
    }
    return "OK";
}

std::string GdbSession::read_register(std::string_view packet)
{
    auto number = parse_hex_number(packet);
    if (!number)
        return protocol_error(ProtocolError::Malformed);
    auto reg = register_from_number(*number);
    if (!reg)
        return protocol_error(ProtocolError::BadRegister);
    std::vector<uint8_t> value(register_info(*reg).bytes());
    if (auto result = m_target.read_register(*reg, value); result.is_error())
        return target_error(result.error(), register_info(*reg).name);
    return to_hex(value);
}

std::string GdbSession::write_register(std::string_view packet)
{
    auto parts = split(packet, '=');
    if (!parts)
        return protocol_error(ProtocolError::Malformed);
    auto number = parse_hex_number(parts->first);
    auto value = from_hex(parts->second);
    if (!number || !value)
        return protocol_error(ProtocolError::Malformed);
    auto reg = register_from_number(*number);
    if (!reg)
        return protocol_error(ProtocolError::BadRegister);
    if (value->size() != register_info(*reg).bytes())
        return protocol_error(ProtocolError::BadLength);
    if (auto result = m_target.write_register(*reg, *value); result.is_error())
        return target_error(result.error(), register_info(*reg).name);
    return "OK";
}

std::string GdbSession::read_memory(std::string_view packet)
{
    auto request = parse_address_length(packet);
    if (!request)
        return protocol_error(ProtocolError::Malformed);
    // The reply is hex: two characters a byte.
    uint64_t length = std::min<uint64_t>(request->length, max_packet_size / 2);
    std::vector<uint8_t> data;
    data.reserve(length);
    uint64_t address = request->address;
    while (data.size() < length) {
        uint64_t chunk = std::min<uint64_t>(length - data.size(), page_size - (address & (page_size - 1)));
        std::vector<uint8_t> bytes(chunk);
        auto result = m_target.read_memory(address, bytes);
        if (result.is_error()) {
            // What could be read is the answer; nothing at all is an error.
            if (data.empty())
                return target_error(result.error(), fmt::format("m{:x}", address));
            break;
        }
        data.insert(data.end(), bytes.begin(), bytes.end());
        address += chunk;
    }
    return to_hex(data);
}

std::string GdbSession::write_memory(std::string_view packet)
{
    auto parts = split(packet.substr(1), ':');
    if (!parts)
        return protocol_error(ProtocolError::Malformed);
    auto request = parse_address_length(parts->first);
    if (!request)
        return protocol_error(ProtocolError::Malformed);
    auto data = packet[0] == 'X' ? unescape_binary(parts->second) : from_hex(parts->second);
    if (!data)
        return protocol_error(ProtocolError::Malformed);
    if (data->size() != request->length)
        return protocol_error(ProtocolError::BadLength);
    uint64_t address = request->address;
    size_t done = 0;
    while (done < data->size()) {
        size_t chunk = std::min<uint64_t>(data->size() - done, page_size - (address & (page_size - 1)));
        std::span<const uint8_t> bytes(data->data() + done, chunk);
        if (auto result = m_target.write_memory(address, bytes); result.is_error())
            return target_error(result.error(), fmt::format("{}{:x}", packet[0], address));
        done += chunk;
        address += chunk;
    }
    return "OK";
}

std::string GdbSession::change_breakpoint(std::string_view packet)
{
    // "Z type,addr,kind[;cond...]": conditions and commands are not supported and ignored
    // (gdb only sends them after we announce ConditionalBreakpoints).
    auto fields = packet.substr(1);
    if (auto semicolon = fields.find(';'); semicolon != std::string_view::npos)
        fields = fields.substr(0, semicolon);
    auto type_rest = split(fields, ',');
    if (!type_rest)
        return protocol_error(ProtocolError::Malformed);
    auto type = parse_hex_number(type_rest->first);
    auto request = parse_address_length(type_rest->second);
    if (!type || !request)
        return protocol_error(ProtocolError::Malformed);
    if (*type > static_cast<uint64_t>(BreakpointKind::AccessWatch))
        return {}; // unsupported kind
    auto kind = static_cast<BreakpointKind>(*type);
    auto result = packet[0] == 'Z' ? m_target.insert_breakpoint(kind, request->address, request->length)
                                   : m_target.remove_breakpoint(kind, request->address, request->length);
    if (result.is_error())
        return target_error(result.error(), packet);
    return "OK";
}

std::string GdbSession::resume_at(std::string_view address, ResumeMode mode)
{
    if (!address.empty()) {
        auto rip = parse_hex_number(address);
        if (!rip)
            return protocol_error(ProtocolError::Malformed);
        uint8_t bytes[8];
        for (int i = 0; i < 8; ++i)
            bytes[i] = static_cast<uint8_t>(*rip >> (8 * i));
        if (auto result = m_target.write_register(Register::rip, bytes); result.is_error())
            return target_error(result.error(), "rip");
    }
    return resume(mode);
}

std::string GdbSession::resume(ResumeMode mode)
{
    auto stop = m_target.resume(mode);
    if (stop.is_error()) {
        // The target could not run at all; gdb still needs a stop reply, and the state is as
        // it was, so report a fault where it stands.
        if (m_log)
            m_log(fmt::format("gdb: resume failed: {} ({})", stop.error().reason, stop.error().context));
        m_last_stop = StopEvent {.reason = StopReason::Fault, .signal = GdbSignal::Segv};
    } else {
        m_last_stop = stop.release_value();
    }
    return stop_reply(m_last_stop);
}

std::string GdbSession::read_feature(std::string_view args)
{
    // "target.xml:OFFSET,LENGTH"; every feature is inline in target.xml.
    auto parts = split(args, ':');
    if (!parts)
        return protocol_error(ProtocolError::Malformed);
    if (parts->first != "target.xml")
        return "E00"; // the protocol's answer for an unknown annex
    auto request = parse_address_length(parts->second);
    if (!request)
        return protocol_error(ProtocolError::Malformed);
    const std::string& xml = target_description_xml();
    if (request->address >= xml.size())
        return "l";
    auto length = std::min<uint64_t>({request->length, xml.size() - request->address, max_packet_size / 2});
    std::string_view chunk(xml.data() + request->address, length);
    bool last = request->address + length >= xml.size();
    return (last ? "l" : "m") +
           escape_binary({reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size()});
}

std::string GdbSession::stop_reply(const StopEvent& stop) const
{
    auto trap = [](std::string_view extra) { return fmt::format("T05{}thread:{};", extra, thread_id); };
    switch (stop.reason) {
    case StopReason::Started:
    case StopReason::Step: return trap("");
    case StopReason::SoftwareBreakpoint: return trap("swbreak:;");
    case StopReason::HardwareBreakpoint: return trap("hwbreak:;");
    case StopReason::Watchpoint: {
        std::string_view name = stop.watch_kind == BreakpointKind::ReadWatch     ? "rwatch"
                                : stop.watch_kind == BreakpointKind::AccessWatch ? "awatch"
                                                                                 : "watch";
        return trap(fmt::format("{}:{:x};", name, stop.watch_address));
    }
    case StopReason::Interrupted:
        return fmt::format("T{:02x}thread:{};", static_cast<unsigned>(GdbSignal::Int), thread_id);
    case StopReason::Fault:
        return fmt::format("T{:02x}thread:{};", static_cast<unsigned>(stop.signal), thread_id);
    case StopReason::Exited: return fmt::format("W{:02x}", stop.exit_status & 0xff);
    }
    return trap("");
}

std::string GdbSession::protocol_error(ProtocolError error)
{
    if (m_log)
        m_log(fmt::format("gdb: {} in packet '{}'", protocol_error_name(error), m_packet.substr(0, 64)));
    return fmt::format("E{:02x}", static_cast<unsigned>(error));
}

std::string GdbSession::target_error(const lkm::Error& error, std::string_view what)
{
    if (m_log)
        m_log(fmt::format("gdb: {}: {}{}{}", what.substr(0, 64), error.reason, error.context[0] ? ": " : "",
                          error.context));
    return errno_reply(error.code);
}

} // namespace lkmemu::gdb
