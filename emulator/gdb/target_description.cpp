#include "gdb/target_description.h"

#include "gdb/registers.h"

#include <fmt/format.h>

#include <span>
#include <string_view>

namespace lkmemu::gdb {

namespace {

struct Flag {
    unsigned bit;
    std::string_view name;
};

struct FlagsType {
    std::string_view id;
    unsigned bytes;
    RegisterFeature feature;
    std::span<const Flag> flags;
};

// gdb's core feature must define i386_eflags itself (its own 64bit-core.xml does the same).
constexpr Flag eflags_bits[] = {
    {0, "CF"}, {1, ""}, {2, "PF"}, {4, "AF"}, {6, "ZF"}, {7, "SF"}, {8, "TF"}, {9, "IF"},
    {10, "DF"}, {11, "OF"}, {14, "NT"}, {16, "RF"}, {17, "VM"}, {18, "AC"}, {19, "VIF"},
    {20, "VIP"}, {21, "ID"},
};
// Named bits make `info registers cr0` print [ PE ... PG ] rather than a bare number.
constexpr Flag cr0_bits[] = {
    {0, "PE"}, {1, "MP"}, {2, "EM"}, {3, "TS"}, {4, "ET"}, {5, "NE"}, {16, "WP"}, {18, "AM"},
    {29, "NW"}, {30, "CD"}, {31, "PG"},
};
constexpr Flag cr4_bits[] = {
    {0, "VME"}, {1, "PVI"}, {2, "TSD"}, {3, "DE"}, {4, "PSE"}, {5, "PAE"}, {6, "MCE"},
    {7, "PGE"}, {8, "PCE"}, {9, "OSFXSR"}, {10, "OSXMMEXCPT"}, {11, "UMIP"}, {16, "FSGSBASE"},
    {17, "PCIDE"}, {18, "OSXSAVE"}, {20, "SMEP"}, {21, "SMAP"}, {22, "PKE"},
};
constexpr Flag efer_bits[] = {{0, "SCE"}, {8, "LME"}, {10, "LMA"}, {11, "NXE"}};

constexpr FlagsType flags_types[] = {
    {"i386_eflags", 4, RegisterFeature::Core, eflags_bits},
    {"lkmemu_cr0", 8, RegisterFeature::System, cr0_bits},
    {"lkmemu_cr4", 8, RegisterFeature::System, cr4_bits},
    {"lkmemu_efer", 8, RegisterFeature::System, efer_bits},
};

struct FeatureName {
    RegisterFeature feature;
    std::string_view name;
};

// The first two are gdb's own names (amd64 code recognises them); the third is lkmemu's.
constexpr FeatureName features[] = {
    {RegisterFeature::Core, "org.gnu.gdb.i386.core"},
    {RegisterFeature::Segments, "org.gnu.gdb.i386.segments"},
    {RegisterFeature::System, "org.lkmemu.x86_64.system"},
};

std::string build()
{
    std::string xml = "<?xml version=\"1.0\"?>\n"
                      "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                      "<target version=\"1.0\">\n"
                      "  <architecture>i386:x86-64</architecture>\n";
    for (const auto& feature : features) {
        xml += fmt::format("  <feature name=\"{}\">\n", feature.name);
        for (const auto& type : flags_types) {
            if (type.feature != feature.feature)
                continue;
            xml += fmt::format("    <flags id=\"{}\" size=\"{}\">\n", type.id, type.bytes);
            for (const auto& flag : type.flags)
                xml += fmt::format("      <field name=\"{}\" start=\"{}\" end=\"{}\"/>\n", flag.name, flag.bit, flag.bit);
            xml += "    </flags>\n";
        }
        for (const auto& reg : register_table()) {
            if (reg.feature != feature.feature)
                continue;
            // Explicit regnums keep the 'g' layout and 'p' numbers tied to the Register enum.
            xml += fmt::format("    <reg name=\"{}\" bitsize=\"{}\" type=\"{}\" group=\"{}\" regnum=\"{}\"/>\n",
                               reg.name, reg.bits, reg.type, reg.group, static_cast<unsigned>(reg.id));
        }
        xml += "  </feature>\n";
    }
    xml += "</target>\n";
    return xml;
}

} // namespace

const std::string& target_description_xml()
{
    static const std::string xml = build();
    return xml;
}

} // namespace lkmemu::gdb
