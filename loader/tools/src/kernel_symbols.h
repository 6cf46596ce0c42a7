// What `lkmemu check` resolves a module's imports against: a list of kernel exports read from a
// text file or from kernel.elf, or — when neither is given — nothing, recording every import as
// unresolved and giving it a placeholder address in the kernel image so linking can go on.
#pragma once

#include <loader/loader.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace lkm::tools {

using SymbolMap = std::map<std::string, ResolvedSymbol>;

// Lines "NAME" or "NAME GPL" ('#' comments, blank lines allowed). Names get distinct addresses in
// the kernel image (base + 16 * line), so PC-relative references from the module area fit.
std::optional<SymbolMap> read_kernel_symbol_list(const std::string& path, std::string& error);

// kernel.elf's exports: its __ksymtab / __ksymtab_gpl sections (struct lkm_kernel_symbol) when it
// has them, else the tables between the linker script's __start___ksymtab and __stop___ksymtab
// (and _gpl) with their CRCs from __start___kcrctab (and _gpl), as the kernel reads them;
// otherwise every global symbol it defines (as non-GPL exports, without CRCs).
std::optional<SymbolMap> read_kernel_elf_symbols(const std::string& path, std::string& error);

// Imports resolve against other modules' exports (check --module), then the kernel's; with no
// kernel symbols given, a kernel import gets a placeholder and is recorded as unresolved.
class CheckResolver final : public SymbolResolver {
public:
    CheckResolver(const std::optional<SymbolMap>& kernel, const SymbolMap& modules)
        : m_kernel(kernel), m_modules(modules) {}
    ErrorOr<ResolvedSymbol> resolve(const char* name) override;
    void unknown_symbol(const char* name) override { m_unknown.push_back(name); }
    const std::vector<std::string>& unresolved() const { return m_unresolved; }
    // The imports no export provides, in symbol-table order: the load failed with ENOENT.
    const std::vector<std::string>& unknown() const { return m_unknown; }

private:
    const std::optional<SymbolMap>& m_kernel;
    const SymbolMap& m_modules;
    std::vector<std::string> m_unresolved;
    std::vector<std::string> m_unknown;
};

} // namespace lkm::tools
