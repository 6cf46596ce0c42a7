// `lkmemu modinfo`: kmod's modinfo for lkmemu modules. The output copies kmod's tools/modinfo.c
// byte for byte (field order, padding, parameter merging, -F and -0) so the two can be diffed:
//   filename:       /abs/path/hello.ko
//   license:        GPL
//   parm:           verbose:print more (int)
#include "module_file.h"
#include "module_signature.h"

#include <loader/loader.h>
#include <loader/tools/commands.h>
#include <loader/tools/host_memory.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <list>

namespace lkm::tools {
namespace {

struct Options {
    std::string field; // empty: all
    bool null_separated = false;
    std::vector<std::string> files;
};

struct Record {
    std::string key, value;
};

// kmod keeps parameters in a list it prepends to, merging "parm" (description) and "parmtype"
// records by name: first-seen parameters print last.
struct Param {
    std::string name;
    std::optional<std::string> description, type;
};

std::list<Param> collect_params(const std::vector<Record>& records, std::ostream& err)
{
    std::list<Param> params;
    for (const Record& r : records) {
        if (r.key != "parm" && r.key != "parmtype")
            continue;
        size_t colon = r.value.find(':');
        if (colon == std::string::npos) {
            err << fmt::format("modinfo: ERROR: Found invalid \"{}={}\": missing ':'\n", r.key, r.value);
            continue;
        }
        std::string name = r.value.substr(0, colon);
        auto it = std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.name == name; });
        if (it == params.end())
            it = params.insert(params.begin(), Param { name, std::nullopt, std::nullopt });
        (r.key == "parm" ? it->description : it->type) = r.value.substr(colon + 1);
    }
    return params;
}

std::string format_param(const Param& p, bool with_key, char separator)
{
    std::string prefix = with_key ? fmt::format("{:<16}", "parm:") : "";
    if (!p.description) // only a type; kmod's filtered form has an extra space here, the full one not
        return with_key ? fmt::format("{}{}:{}{}", prefix, p.name, *p.type, separator)
                        : fmt::format("{}: ({}){}", p.name, *p.type, separator);
    if (p.type)
        return fmt::format("{}{}:{} ({}){}", prefix, p.name, *p.description, *p.type, separator);
    return fmt::format("{}{}:{}{}", prefix, p.name, *p.description, separator);
}

int modinfo_file(const Options& options, const std::string& path, std::ostream& out, std::ostream& err)
{
    std::string reason;
    auto file = read_module_file(path, reason);
    if (!file) {
        err << fmt::format("modinfo: ERROR: Module file {} not found: {}\n", path, reason);
        return 1;
    }
    MallocAllocator allocator;
    load_info info(file->data(), file->size, allocator);
    auto result = elf_validity_check(info);
    if (!result.is_error())
        result = find_modinfo(info);
    if (result.is_error()) {
        const Error& e = result.error();
        err << fmt::format("modinfo: ERROR: could not get modinfo from '{}': {} ({}{}{})\n", path,
            lkm_errno_text(e.code) ? lkm_errno_text(e.code) : "error", e.reason, e.context[0] ? ": " : "", e.context);
        return 1;
    }

    const char separator = options.null_separated ? '\0' : '\n';
    // kmod prints the absolute path of the file it opened.
    std::string filename = std::filesystem::absolute(path).lexically_normal().string();
    if (options.field == "filename") {
        out << filename << separator;
        return 0;
    }
    std::vector<Record> records;
    for_each_modinfo(info, [&](const char* key, size_t key_length, const char* value) {
        records.push_back({ std::string(key, key_length), value });
    });
    // After .modinfo's records, as kmod_module_get_info appends them: the signature's.
    if (auto sig = module_signature_info(file->data(), file->size)) {
        records.push_back({ "sig_id", sig->id_type });
        records.push_back({ "signer", sig->signer });
        records.push_back({ "sig_key", kmod_hex(sig->key_id) });
        records.push_back({ "sig_hashalgo", sig->hash_algo });
        records.push_back({ "signature", kmod_hex(sig->signature) });
    }
    if (options.field == "parm") {
        for (const Param& p : collect_params(records, err))
            out << format_param(p, false, separator);
        return 0;
    }
    if (!options.field.empty()) {
        for (const Record& r : records)
            if (r.key == options.field)
                out << r.value << separator;
        return 0;
    }
    out << fmt::format("{:<16}{}{}", "filename:", filename, separator);
    for (const Record& r : records) {
        if (r.key == "parm" || r.key == "parmtype")
            continue;
        if (options.null_separated) {
            out << r.key << '=' << r.value << separator;
            continue;
        }
        // printf("%s:%-*s", key, 15 - keylen, ""): a negative width pads by its magnitude.
        int width = 15 - static_cast<int>(r.key.size());
        out << r.key << ':' << std::string(static_cast<size_t>(std::abs(width)), ' ') << r.value << separator;
    }
    for (const Param& p : collect_params(records, err))
        out << format_param(p, true, separator);
    return 0;
}

} // namespace

int modinfo_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err)
{
    Options options;
    CLI::App app("Print the .modinfo fields of lkmemu modules, as kmod's modinfo does", "lkmemu modinfo");
    auto shorthand = [&](const char* flags, const char* field, const char* help) {
        app.add_flag_callback(flags, [&options, field] { options.field = field; }, help);
    };
    shorthand("-a,--author", "author", "Print only 'author'");
    shorthand("-d,--description", "description", "Print only 'description'");
    shorthand("-l,--license", "license", "Print only 'license'");
    shorthand("-p,--parameters", "parm", "Print only 'parm'");
    shorthand("-n,--filename", "filename", "Print only 'filename'");
    app.add_option("-F,--field", options.field, "Print only provided FIELD");
    app.add_flag("-0,--null", options.null_separated, "Use \\0 instead of \\n");
    app.add_option("FILE", options.files, "Module file(s) (.ko)")->required();
    try {
        std::vector<std::string> reversed(args.rbegin(), args.rend()); // CLI11 takes them reversed
        app.parse(reversed);
    } catch (const CLI::CallForHelp&) {
        out << app.help();
        return 0;
    } catch (const CLI::ParseError& e) {
        err << "modinfo: ERROR: " << e.what() << "\n";
        return 1;
    }
    int status = 0;
    for (const auto& path : options.files)
        if (modinfo_file(options, path, out, err) != 0)
            status = 1;
    return status;
}

} // namespace lkm::tools
