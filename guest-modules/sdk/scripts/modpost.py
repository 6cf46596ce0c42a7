#!/usr/bin/env python3
"""modpost: the second stage of building modules, as in Linux (scripts/mod/modpost.c).

Stage one compiled each module's sources and linked them with `ld.lld -r` into NAME.o. This step
reads all of those objects together, so that it knows every module's exports, and for each
module:
  - finds init_module / cleanup_module (what module_init / module_exit define),
  - resolves its undefined symbols against the kernel's exports (vmlinux.symvers, which genksyms
    writes from kernel-exports.txt, or kernel-exports.txt itself, without CRCs) and the other
    modules' __ksymtab / __ksymtab_gpl (and those of modules built elsewhere, from their
    Module.symvers: --extra-symvers, Linux's KBUILD_EXTRA_SYMBOLS), warning about unresolved
    ones as Linux does:
        WARNING: modpost: "foo" [unresolved.ko] undefined!
  - computes each export's CRC over its declaration (genksyms.py, from the object's DWARF) and
    refuses a namespaced export used without MODULE_IMPORT_NS, in Linux's words:
        ERROR: modpost: module foo uses symbol bar from namespace NS, but does not import it.
  - refuses what the kernel would refuse anyway: a missing MODULE_LICENSE(), a GPL-incompatible
    module using a GPL-only export, a symbol exported twice, a writable+executable section,
  - warns about section mismatches: code or data that outlives init referring to __init code
    or __initdata, which the kernel frees after init,
  - writes NAME.mod.c: __this_module (struct lkm_this_module in .gnu.linkonce.this_module: name,
    init, exit), __versions (struct lkm_modversion_info: the CRC of module_layout and of every
    symbol it imports, as its exporter has it), __kcrctab / __kcrctab_gpl (its own exports' CRCs,
    in __ksymtab's order) and the .modinfo records name=, vermagic= and depends= (the modules
    whose exports it uses).
It also writes Module.symvers, Linux's list of every module export: CRC, name, module, export
type, namespace.

Errors make modpost fail; --warn-only NAME turns NAME's errors into warnings (Linux's
KBUILD_MODPOST_WARN), for samples that exist to be refused by the kernel.

Symbols are read with llvm-nm, sections and relocations with llvm-readobj, section strings
with llvm-readelf, DWARF with llvm-dwarfdump, so this script needs nothing beyond the Python
standard library.
"""

import argparse
import concurrent.futures
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import genksyms  # noqa: E402  (beside this script)

MODULE_NAME_LEN = 56  # LKM_MODULE_NAME_LEN, including the NUL
SHF_WRITE = 0x1
SHF_ALLOC = 0x2
SHF_EXECINSTR = 0x4

# Freed once init has returned: nothing that outlives init may point into them.
INIT_SECTIONS = (".init.text", ".init.data", ".init.rodata")

# Linux's license_is_gpl_compatible(); the kernel applies the same list when it loads a module.
GPL_COMPATIBLE_LICENSES = {
    "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL",
}

# Symbols a module may leave undefined because modpost itself provides them (in NAME.mod.c).
PROVIDED_BY_MODPOST = {"__this_module"}

KSYMTAB_SECTIONS = {"__ksymtab": False, "__ksymtab_gpl": True}  # section -> GPL-only
KERNEL_SYMBOL_SIZE = 24  # struct lkm_kernel_symbol: value, name, ns
KCRC_TABLES = {"__ksymtab": "__kcrctab", "__ksymtab_gpl": "__kcrctab_gpl"}
# Every module's first __versions entry (Linux's trick for the module format's own version).
MODULE_LAYOUT = "module_layout"


class ToolError(Exception):
    pass


@dataclass
class Export:
    name: str
    gpl_only: bool
    owner: str  # module name, or "vmlinux" for the kernel
    namespace: str = ""  # EXPORT_SYMBOL_NS; "" for none
    crc: int = None  # of its declaration (genksyms); None if unknown
    table: str = ""  # __ksymtab or __ksymtab_gpl (a module's own export)
    index: int = 0  # its entry in that table
    from_dump: bool = False  # read from a Module.symvers (the kernel's or KBUILD_EXTRA_SYMBOLS)


@dataclass
class Symbol:
    name: str
    value: int
    cls: str  # llvm-nm's class letter: U undefined, T/t text, D/d data, ...
    type: str  # FUNC, OBJECT, NOTYPE ...
    section: str
    size: int = 0


@dataclass
class ModuleObject:
    name: str
    path: Path
    symbols: dict = field(default_factory=dict)  # name -> Symbol
    undefined: list = field(default_factory=list)  # strong undefined symbol names
    sections: list = field(default_factory=list)  # (name, flags)
    relocations: dict = field(default_factory=dict)  # target section -> [(offset, type, symbol, addend)]
    modinfo: list = field(default_factory=list)  # "key=value" strings
    exports: list = field(default_factory=list)  # Export
    errors: list = field(default_factory=list)  # messages found while reading
    versions: list = field(default_factory=list)  # (name, crc) for __versions, module_layout first


class Tools:
    def __init__(self, nm, readobj, readelf, dwarfdump):
        self.nm, self.readobj, self.readelf, self.dwarfdump = nm, readobj, readelf, dwarfdump

    @staticmethod
    def run(argv):
        try:
            done = subprocess.run(argv, capture_output=True, text=True, errors="replace")
        except OSError as e:
            raise ToolError(f"cannot run {argv[0]}: {e.strerror}")
        if done.returncode != 0:
            raise ToolError(f"{' '.join(argv)} failed: {done.stderr.strip()}")
        return done.stdout


def read_symbols(tools, obj):
    # sysv format: Name | Value | Class | Type | Size | Line | Section
    for line in Tools.run([tools.nm, "--format=sysv", str(obj.path)]).splitlines():
        fields = [f.strip() for f in line.split("|")]
        if len(fields) != 7 or not fields[0]:
            continue
        name, value, cls, sym_type, size, _, section = fields
        sym = Symbol(name, int(value, 16) if value else 0, cls, sym_type, section, int(size, 16) if size else 0)
        if cls == "U":
            obj.undefined.append(name)
        elif cls in ("w", "v") and section == "*UND*":
            continue  # weak and undefined: may stay unresolved (0), as in Linux
        else:
            obj.symbols[name] = sym


def read_sections(tools, obj):
    text = Tools.run([tools.readobj, "--sections", str(obj.path)])
    for match in re.finditer(r"Name: (\S*) \(\d+\)\n\s+Type: \S+ \(\S+\)\n\s+Flags \[ \((0x[0-9A-Fa-f]+)\)",
                             text):
        obj.sections.append((match.group(1), int(match.group(2), 16)))


def read_strings(tools, obj, section):
    """A string section as {offset: string}, from llvm-readelf's string dump."""
    strings = {}
    text = Tools.run([tools.readelf, f"--string-dump={section}", str(obj.path)])
    for match in re.finditer(r"^\[\s*([0-9a-f]+)\] (.*)$", text, re.MULTILINE):
        strings[int(match.group(1), 16)] = match.group(2)
    return strings


def read_relocations(tools, obj):
    """obj.relocations: {target section: [(offset, type, symbol, addend)]}, for the sections that
    are loaded (relocations of debug information are not modpost's business)."""
    loaded = {name for name, flags in obj.sections if flags & SHF_ALLOC}
    current = None
    text = Tools.run([tools.readobj, "--relocations", str(obj.path)])
    for line in text.splitlines():
        header = re.match(r"\s*Section \(\d+\) \.rela(\S+) \{", line)
        if header:
            current = header.group(1) if header.group(1) in loaded else None
            if current:
                obj.relocations.setdefault(current, [])
            continue
        if current is None:
            continue
        entry = re.match(r"\s*0x([0-9A-Fa-f]+) (\S+) (\S+) (-?0x[0-9A-Fa-f]+)$", line)
        if entry:
            obj.relocations[current].append((int(entry.group(1), 16), entry.group(2), entry.group(3),
                                             int(entry.group(4), 16)))


def read_exports(tools, obj):
    present = {name for name, _ in obj.sections}
    tables = [s for s in KSYMTAB_SECTIONS if s in present]
    if not tables:
        return
    strings = read_strings(tools, obj, "__ksymtab_strings") if "__ksymtab_strings" in present else {}
    relocations = obj.relocations
    for table in tables:
        entries = {}  # entry index -> {field offset: (symbol, addend)}
        for offset, rel_type, symbol, addend in relocations.get(table, []):
            if rel_type != "R_X86_64_64":
                obj.errors.append(f"{table}+{offset:#x}: unexpected relocation {rel_type}")
                continue
            entries.setdefault(offset // KERNEL_SYMBOL_SIZE, {})[offset % KERNEL_SYMBOL_SIZE] = (symbol, addend)
        for index in sorted(entries):
            value, name, ns = entries[index].get(0), entries[index].get(8), entries[index].get(16)
            if value is None or name is None:
                obj.errors.append(f"{table} entry {index} is not relocated (value and name)")
                continue
            name_sym, name_addend = name
            base = 0 if name_sym == "__ksymtab_strings" else obj.symbols.get(name_sym, Symbol("", 0, "", "", "")).value
            export_name = strings.get(base + name_addend)
            if export_name is None:
                obj.errors.append(f"{table} entry {index}: its name is not a string in __ksymtab_strings")
                continue
            target, _ = value
            if target != export_name:
                obj.errors.append(f"exported symbol '{export_name}' is '{target}': only global symbols "
                                  "with C linkage can be exported (not static; extern \"C\" in C++)")
                continue
            if export_name not in obj.symbols or not obj.symbols[export_name].cls.isupper():
                obj.errors.append(f"\"{export_name}\" is exported but not defined as a global symbol")
                continue
            namespace = ""
            if ns is not None:
                ns_base = 0 if ns[0] == "__ksymtab_strings" else obj.symbols.get(ns[0], Symbol("", 0, "", "", "")).value
                namespace = strings.get(ns_base + ns[1])
                if not namespace:
                    obj.errors.append(f"{table} entry {index}: its namespace is not a string in __ksymtab_strings")
                    continue
            obj.exports.append(Export(export_name, KSYMTAB_SECTIONS[table], obj.name, namespace, None, table, index))
    if obj.exports:
        try:
            crcs = genksyms.module_crcs(tools.dwarfdump, obj.path, [e.name for e in obj.exports])
        except genksyms.DwarfError as e:
            raise ToolError(str(e))
        for export in obj.exports:
            if export.name in crcs:
                export.crc = crcs[export.name][0]


def read_module(tools, path):
    obj = ModuleObject(name=path.stem, path=path)
    read_symbols(tools, obj)
    read_sections(tools, obj)
    read_relocations(tools, obj)
    if any(name == ".modinfo" for name, _ in obj.sections):
        obj.modinfo = list(read_strings(tools, obj, ".modinfo").values())
    read_exports(tools, obj)
    return obj


def read_kernel_exports(path):
    """kernel-exports.txt: `NAME [GPL] [NS=NAMESPACE]` per line, '#' starts a comment. No CRCs."""
    try:
        return {name: Export(name, gpl, "vmlinux", namespace)
                for name, gpl, namespace in genksyms.read_kernel_exports(path)}
    except genksyms.DwarfError as e:
        raise ToolError(str(e))


def read_symvers(path):
    """A Module.symvers (here the kernel's, vmlinux.symvers): CRC, name, module, export type and
    namespace, tab-separated, one export a line."""
    exports = {}
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        fields = line.split("\t")
        if len(fields) != 5 or fields[3] not in ("EXPORT_SYMBOL", "EXPORT_SYMBOL_GPL"):
            raise ToolError(f"{path}:{number}: not a Module.symvers line: '{line}'")
        crc, name, owner, kind, namespace = fields
        # Linux names a module by its path in the tree that built it; depends= wants its name.
        owner = owner if owner == "vmlinux" else Path(owner).name
        exports[name] = Export(name, kind == "EXPORT_SYMBOL_GPL", owner, namespace, int(crc, 16),
                               from_dump=True)
    return exports


def modinfo_value(obj, key):
    values = [record.split("=", 1)[1] for record in obj.modinfo if record.startswith(key + "=")]
    return values[0] if values else None


class Report:
    """Collects diagnostics in Linux's words; errors of --warn-only modules become warnings."""

    def __init__(self, warn_only):
        self.warn_only = warn_only
        self.failed = False

    def warning(self, message):
        print(f"WARNING: modpost: {message}", file=sys.stderr)

    def error(self, module, message):
        if module in self.warn_only:
            self.warning(message)
        else:
            print(f"ERROR: modpost: {message}", file=sys.stderr)
            self.failed = True


def referrer(obj, section, offset):
    """The symbol of `section` that contains `offset`, as Linux names it: "name+0xoff"."""
    for sym in obj.symbols.values():
        if sym.section == section and sym.size and sym.value <= offset < sym.value + sym.size:
            return sym.name if offset == sym.value else f"{sym.name}+{offset - sym.value:#x}"
    return f"{section}+{offset:#x}"


def check_section_mismatches(obj, report):
    """Linux's section mismatch check: loaded code or data that refers to __init code or data
    would use freed memory once init has returned."""
    for source, relocations in obj.relocations.items():
        if source.startswith(INIT_SECTIONS) or source.startswith(".discard"):
            continue
        for offset, rel_type, symbol, addend in relocations:
            sym = obj.symbols.get(symbol)
            target = sym.section if sym is not None else symbol  # else a section symbol
            if target in INIT_SECTIONS:
                if sym is not None:
                    shown = symbol
                else:  # section+addend: name what is there (PC-relative addends are offset by -4)
                    pc_relative = rel_type in ("R_X86_64_PC32", "R_X86_64_PLT32")
                    shown = referrer(obj, target, addend + (4 if pc_relative else 0))
                report.warning(f"{obj.name}.o: section mismatch in reference: "
                               f"{referrer(obj, source, offset)} (section: {source}) -> {shown} "
                               f"(section: {target})")


def check_module(obj, exports, report):
    """Resolves obj's symbols; returns the sorted names of the modules it depends on."""
    for message in obj.errors:
        report.error(obj.name, f"{obj.name}.o: {message}")
    if not re.fullmatch(r"[A-Za-z0-9_]+", obj.name) or len(obj.name) >= MODULE_NAME_LEN:
        report.error(obj.name, f"module name '{obj.name}' must be 1-{MODULE_NAME_LEN - 1} "
                               "characters of [A-Za-z0-9_]")
    license = modinfo_value(obj, "license")
    if license is None:
        report.error(obj.name, f"missing MODULE_LICENSE() in {obj.path}")
    gpl_compatible = license in GPL_COMPATIBLE_LICENSES
    for key in ("name", "vermagic", "depends"):
        if modinfo_value(obj, key) is not None:
            report.error(obj.name, f"{obj.name}.o: .modinfo '{key}=' is modpost's to write")
    for name, flags in obj.sections:
        if flags & SHF_WRITE and flags & SHF_EXECINSTR:
            report.error(obj.name, f"{obj.name}.o: section {name} is both writable and executable")
    check_section_mismatches(obj, report)
    for function in ("init_module", "cleanup_module"):
        sym = obj.symbols.get(function)
        if sym is not None and (sym.type != "FUNC" or not sym.cls.isupper()):
            report.error(obj.name, f"{obj.name}.o: {function} must be a global function "
                                   "(use module_init/module_exit)")

    imported_namespaces = {r.split("=", 1)[1] for r in obj.modinfo if r.startswith("import_ns=")}
    depends = set()
    versions = []
    for name in [MODULE_LAYOUT] + sorted(obj.undefined):
        if name in PROVIDED_BY_MODPOST:
            continue
        export = exports.get(name)
        if export is None or export.owner == obj.name:
            if name != MODULE_LAYOUT:
                report.warning(f"\"{name}\" [{obj.name}.ko] undefined!")
            continue
        if export.gpl_only and not gpl_compatible:
            report.error(obj.name, f"GPL-incompatible module {obj.name}.ko uses GPL-only symbol '{name}'")
        if export.namespace and export.namespace not in imported_namespaces:
            report.error(obj.name, f"module {obj.name} uses symbol {name} from namespace "
                                   f"{export.namespace}, but does not import it.")
        if export.owner != "vmlinux":
            depends.add(export.owner)
        if export.crc is None:
            report.warning(f"\"{name}\" [{obj.name}.ko] has no CRC!")
        elif len(name) >= MODULE_NAME_LEN:
            report.error(obj.name, f"too long symbol \"{name}\" [{obj.name}.ko]")
        elif (name, export.crc) not in versions:
            versions.append((name, export.crc))
    obj.versions = versions
    return sorted(depends)


def mod_c(obj, depends):
    init = "init_module" in obj.symbols
    exit_ = "cleanup_module" in obj.symbols
    lines = [
        f"// Generated by modpost for module {obj.name}: do not edit.",
        "#include <lkmemu/module_abi.h>",
        "#include <linux/moduleparam.h>",
        "#include <linux/vermagic.h>",
        "",
    ]
    if init:
        lines.append("extern int init_module(void);")
    if exit_:
        lines.append("extern void cleanup_module(void);")
    lines += [
        "",
        "__visible struct lkm_this_module __this_module",
        "    __section(\".gnu.linkonce.this_module\") __used __aligned(8) = {",
        "    .abi_version = LKM_THIS_MODULE_ABI,",
        f"    .name = \"{obj.name}\",",
        f"    .init = {'(uint64_t)(uintptr_t)&init_module' if init else '0'},",
        f"    .exit = {'(uint64_t)(uintptr_t)&cleanup_module' if exit_ else '0'},",
        "};",
        "",
        f"__MODULE_INFO(name, name, \"{obj.name}\");",
        "__MODULE_INFO(vermagic, vermagic, VERMAGIC_STRING);",
        f"__MODULE_INFO(depends, depends, \"{','.join(depends)}\");",
        "",
    ]
    # The CRCs of what it imports, as their exporters had them (checked at load time).
    lines += ["static const struct lkm_modversion_info ____versions[]",
              "    __section(\"__versions\") __used __aligned(8) = {"]
    lines += [f"    {{ 0x{crc:08x}, \"{name}\" }}," for name, crc in obj.versions]
    lines += ["};", ""]
    # Its own exports' CRCs, entry for entry beside __ksymtab and __ksymtab_gpl.
    for table, crctab in KCRC_TABLES.items():
        own = sorted((e for e in obj.exports if e.table == table), key=lambda e: e.index)
        if not own:
            continue
        lines += [f"static const lkm_kcrc _{crctab}[] __section(\"{crctab}\") __used __aligned(4) = {{"]
        lines += [f"    0x{(e.crc or 0):08x}, /* {e.name} */" for e in own]
        lines += ["};", ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("objects", nargs="+", type=Path, help="each module's NAME.o (ld -r output)")
    kernel = parser.add_mutually_exclusive_group(required=True)
    kernel.add_argument("--kernel-symvers", help="the kernel's exports with their CRCs (vmlinux.symvers)")
    kernel.add_argument("--kernel-exports", help="kernel-exports.txt (the kernel's exports, no CRCs)")
    parser.add_argument("--extra-symvers", action="append", default=[], metavar="FILE",
                        help="another tree's Module.symvers: its exports resolve this build's "
                             "imports (Linux's KBUILD_EXTRA_SYMBOLS)")
    mod_c_place = parser.add_mutually_exclusive_group(required=True)
    mod_c_place.add_argument("--outdir", type=Path, help="NAME.mod.c goes to OUTDIR/NAME/NAME.mod.c")
    mod_c_place.add_argument("--mod-c-beside-objects", action="store_true",
                             help="NAME.mod.c goes beside NAME.o, as kbuild writes it for M= builds")
    parser.add_argument("--symvers", type=Path, help="write Module.symvers here")
    parser.add_argument("--warn-only", action="append", default=[], metavar="NAME",
                        help="report NAME's errors as warnings (it is built to be refused)")
    parser.add_argument("--llvm-nm", default="llvm-nm")
    parser.add_argument("--llvm-readobj", default="llvm-readobj")
    parser.add_argument("--llvm-readelf", default="llvm-readelf")
    parser.add_argument("--llvm-dwarfdump", default="llvm-dwarfdump")
    args = parser.parse_args()

    tools = Tools(args.llvm_nm, args.llvm_readobj, args.llvm_readelf, args.llvm_dwarfdump)
    report = Report(set(args.warn_only))
    try:
        exports = (read_symvers(args.kernel_symvers) if args.kernel_symvers
                   else read_kernel_exports(args.kernel_exports))
        for extra in args.extra_symvers:
            try:
                exports.update(read_symvers(extra))
            except OSError as e:
                raise ToolError(f"cannot read {extra}: {e.strerror}")
        with concurrent.futures.ThreadPoolExecutor() as pool:
            modules = list(pool.map(lambda p: read_module(tools, p), args.objects))
    except ToolError as e:
        print(f"ERROR: modpost: {e}", file=sys.stderr)
        return 1

    names = [m.name for m in modules]
    for name in sorted({n for n in names if names.count(n) > 1}):
        report.error(name, f"module {name} is built twice")
    for module in modules:
        for export in module.exports:
            previous = exports.get(export.name)
            if previous is not None:
                report.error(module.name, f"'{export.name}' exported twice. Previous export was in "
                                          f"{previous.owner}{'' if previous.owner == 'vmlinux' else '.ko'}")
                continue
            exports[export.name] = export

    outputs = {m.name: mod_c(m, check_module(m, exports, report)) for m in modules}
    if report.failed:
        return 1
    for module in modules:
        mod_c_path = (module.path.with_name(f"{module.name}.mod.c") if args.mod_c_beside_objects
                      else args.outdir / module.name / f"{module.name}.mod.c")
        genksyms.write_if_changed(mod_c_path, outputs[module.name])
    if args.symvers:
        # Linux's format: CRC, symbol, module, export type, namespace.
        rows = [genksyms.symvers_row(e.crc or 0, e.name, e.owner, e.gpl_only, e.namespace)
                for e in sorted(exports.values(), key=lambda e: (e.owner, e.name)) if not e.from_dump and e.owner != "vmlinux"]
        genksyms.write_if_changed(args.symvers, "".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
