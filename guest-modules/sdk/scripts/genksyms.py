#!/usr/bin/env python3
"""genksyms: the CRC of an exported symbol's declaration, for modversions (Linux's scripts/genksyms).

Linux's genksyms parses the preprocessed C of the exporting file; this one reads the same facts
from the DWARF the compiler already wrote (as Linux 6.14's gendwarfksyms does), so it needs no C
parser: `llvm-dwarfdump --debug-info` of the object, and nothing beyond Python's standard library.

The CRC (zlib's CRC-32, the polynomial genksyms uses) is over one line of text, the symbol's
declaration with every type expanded, in this canonical form:

    function:  NAME RETURN ( PARAM , PARAM , ... )     "..." for a variadic tail, "void" for none
    variable:  NAME TYPE
    types:     base types by name ("unsigned long"); "T *", "const T", "volatile T", "T [N]";
               typedef NAME = T; struct|union|enum NAME { member-type member-name @byte-offset
               [:bits@bit-offset] ; ... } (enumerators as NAME = VALUE); an incomplete type as
               "struct NAME { UNKNOWN }"; a named struct, union, enum or typedef is expanded once
               per declaration and referred to by kind and name after that (so recursion ends).

Parameter names, source positions and anything else with no effect on the binary interface are
left out. So the CRC changes when a return or parameter type changes, a parameter is added or
removed, or any structure reachable from the declaration gains, loses, renames, retypes or moves a
member — what would make a caller built against the old declaration wrong.

Used by modpost (module exports, from each module's NAME.o) and, with --kernel, for the kernel's
own exports: kernel-exports.txt names them, the SDK headers declare them; this writes a C file
that takes each one's address (so its DWARF describes the declaration), and, from that object
compiled, the kernel's export table (__ksymtab, __kcrctab, __ksymtab_strings: assembly the kernel
links) and vmlinux.symvers (Linux's Module.symvers format) for modpost.
"""

import argparse
import os
import re
import subprocess
import sys
import zlib
from pathlib import Path


class DwarfError(Exception):
    pass


class Die:
    __slots__ = ("offset", "tag", "attrs", "children", "parent")

    def __init__(self, offset, tag, parent):
        self.offset, self.tag, self.attrs, self.children, self.parent = offset, tag, {}, [], parent


_DIE = re.compile(r"^0x([0-9a-f]+):(\s+)(DW_TAG_\w+|NULL)")
_ATTR = re.compile(r"^\s+(DW_AT_\w+)\s+\((.*)\)$")
_REF = re.compile(r"^0x([0-9a-f]+)(?: \".*\")?$")


def read_dwarf(dwarfdump, path):
    """{offset: Die} for every DIE of `path`, and the compile units' top-level DIEs in order."""
    try:
        done = subprocess.run([dwarfdump, "--debug-info", str(path)], capture_output=True, text=True,
                              errors="replace")
    except OSError as e:
        raise DwarfError(f"cannot run {dwarfdump}: {e.strerror}")
    if done.returncode != 0:
        raise DwarfError(f"{dwarfdump} --debug-info {path} failed: {done.stderr.strip()}")
    dies, top = {}, []
    stack = []  # (indent, die)
    current = None
    for line in done.stdout.splitlines():
        m = _DIE.match(line)
        if m:
            indent = len(m.group(2))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            if m.group(3) == "NULL":
                current = None
                continue
            parent = stack[-1][1] if stack else None
            die = Die(int(m.group(1), 16), m.group(3), parent)
            dies[die.offset] = die
            if parent is not None:
                parent.children.append(die)
                if parent.tag == "DW_TAG_compile_unit":
                    top.append(die)
            stack.append((indent, die))
            current = die
            continue
        a = _ATTR.match(line)
        if a and current is not None:
            current.attrs[a.group(1)] = a.group(2)
    return dies, top


def _string(value):
    return value[1:-1] if value and value.startswith('"') and value.endswith('"') else value


def _number(value):
    try:
        return int(value, 0)
    except (TypeError, ValueError):
        return value


class Expander:
    """Expands the types of one declaration; named aggregates are expanded once each."""

    KEYWORDS = {"DW_TAG_structure_type": "struct", "DW_TAG_class_type": "struct",
                "DW_TAG_union_type": "union", "DW_TAG_enumeration_type": "enum"}

    def __init__(self, dies):
        self.dies = dies
        self.done = set()

    def ref(self, die, attr="DW_AT_type"):
        value = die.attrs.get(attr)
        if value is None:
            return None
        m = _REF.match(value)
        if not m or int(m.group(1), 16) not in self.dies:
            raise DwarfError(f"DIE 0x{die.offset:x}: unreadable {attr} ({value})")
        return self.dies[int(m.group(1), 16)]

    def name(self, die):
        if "DW_AT_name" in die.attrs:
            return _string(die.attrs["DW_AT_name"])
        spec = self.ref(die, "DW_AT_specification") or self.ref(die, "DW_AT_abstract_origin")
        return self.name(spec) if spec is not None else None

    def type_of(self, die):
        """The DW_AT_type of die, following a definition to its declaration if need be."""
        if "DW_AT_type" in die.attrs:
            return self.ref(die)
        spec = self.ref(die, "DW_AT_specification") or self.ref(die, "DW_AT_abstract_origin")
        return self.type_of(spec) if spec is not None else None

    def type(self, die):
        if die is None:
            return "void"
        tag = die.tag
        if tag in ("DW_TAG_base_type", "DW_TAG_unspecified_type"):
            return self.name(die)
        if tag == "DW_TAG_pointer_type":
            return f"{self.type(self.ref(die))} *"
        if tag in ("DW_TAG_reference_type", "DW_TAG_rvalue_reference_type"):
            return f"{self.type(self.ref(die))} {'&' if tag == 'DW_TAG_reference_type' else '&&'}"
        if tag in ("DW_TAG_const_type", "DW_TAG_volatile_type", "DW_TAG_restrict_type", "DW_TAG_atomic_type"):
            return f"{tag[7:-5]} {self.type(self.ref(die))}"
        if tag == "DW_TAG_typedef":
            key = f"typedef {self.name(die)}"
            if key in self.done:
                return key
            self.done.add(key)
            return f"{key} = {self.type(self.ref(die))}"
        if tag == "DW_TAG_array_type":
            dims = "".join(f" [{_number(c.attrs.get('DW_AT_count', c.attrs.get('DW_AT_upper_bound', '')))}]"
                           for c in die.children if c.tag == "DW_TAG_subrange_type")
            return f"{self.type(self.ref(die))}{dims}"
        if tag == "DW_TAG_subroutine_type":
            return self.prototype(die)
        if tag in self.KEYWORDS:
            return self.aggregate(die)
        raise DwarfError(f"DIE 0x{die.offset:x}: type {tag} is not understood")

    def aggregate(self, die):
        keyword = self.KEYWORDS[die.tag]
        name = self.name(die)
        key = f"{keyword} {name}" if name else keyword
        if name and key in self.done:
            return key
        if die.attrs.get("DW_AT_declaration") == "true":
            return f"{key} {{ UNKNOWN }}"
        if name:
            self.done.add(key)
        parts = []
        for child in die.children:
            if child.tag == "DW_TAG_enumerator":
                parts.append(f"{self.name(child)} = {_number(child.attrs.get('DW_AT_const_value'))}")
            elif child.tag == "DW_TAG_inheritance":
                parts.append(f"base {self.type(self.ref(child))} @{_number(child.attrs.get('DW_AT_data_member_location', '0'))}")
            elif child.tag == "DW_TAG_member" and child.attrs.get("DW_AT_declaration") != "true":
                where = f"@{_number(child.attrs.get('DW_AT_data_member_location', '0'))}"
                if "DW_AT_bit_size" in child.attrs:
                    where += (f" :{_number(child.attrs['DW_AT_bit_size'])}"
                              f"@{_number(child.attrs.get('DW_AT_data_bit_offset', '0'))}")
                parts.append(f"{self.type(self.ref(child))} {self.name(child) or ''} {where}")
        return f"{key} {{ {' ; '.join(parts)} }}"

    def prototype(self, die):
        """RETURN ( PARAMS ) of a subprogram or subroutine type."""
        params = []
        for child in die.children:
            if child.tag == "DW_TAG_formal_parameter" and child.attrs.get("DW_AT_artificial") != "true":
                params.append(self.type(self.type_of(child)))
            elif child.tag == "DW_TAG_unspecified_parameters":
                params.append("...")
        if not params and die.tag == "DW_TAG_subprogram":
            spec = self.ref(die, "DW_AT_specification")
            if spec is not None:
                return self.prototype(spec)
        return f"{self.type(self.type_of(die))} ( {' , '.join(params) or 'void'} )"


def declaration(dies, name, die):
    """The canonical text of `name`, declared by `die`: a subprogram or variable defining it, or
    a variable pointing at it (the kernel's declaration file)."""
    expander = Expander(dies)
    if die.tag == "DW_TAG_subprogram":
        return f"{name} {expander.prototype(die)}"
    target = expander.type_of(die)
    if die.attrs.get("DW_AT_name", "").startswith('"__lkm_decl_'):
        target = expander.ref(target)  # the pointer's target: the symbol's own type
    if target is not None and target.tag == "DW_TAG_subroutine_type":
        return f"{name} {expander.prototype(target)}"
    return f"{name} {expander.type(target)}"


def crc_of(text):
    return zlib.crc32(text.encode()) & 0xffffffff


def find_definitions(dies, top, names):
    """{name: die} for the externally visible definitions among the compile units' top DIEs."""
    found = {}
    for die in top:
        if die.tag not in ("DW_TAG_subprogram", "DW_TAG_variable"):
            continue
        if die.attrs.get("DW_AT_declaration") == "true":
            continue
        name = Expander(dies).name(die)
        if name in names and name not in found:
            found[name] = die
    return found


def module_crcs(dwarfdump, path, names):
    """{name: (crc, declaration)} for the exports `names` defined in the object `path`; a name
    without DWARF (e.g. defined in assembly) is left out."""
    dies, top = read_dwarf(dwarfdump, path)
    return {name: (crc_of(text), text)
            for name, die in find_definitions(dies, top, set(names)).items()
            for text in [declaration(dies, name, die)]}


# ---- the kernel's exports

def read_kernel_exports(path):
    """kernel-exports.txt: [(name, gpl, namespace)] in order; `NAME`, `NAME GPL`, and an optional
    `NS=NAMESPACE` last; '#' starts a comment."""
    exports = []
    for number, line in enumerate(Path(path).read_text().splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        name, rest = words[0], words[1:]
        namespace = ""
        if rest and rest[-1].startswith("NS="):
            namespace = rest.pop()[3:]
        if len(rest) > 1 or (rest and rest[0] != "GPL") or not re.fullmatch(r"[A-Za-z_]\w*", namespace or "x"):
            raise DwarfError(f"{path}:{number}: expected 'NAME [GPL] [NS=NAMESPACE]', got '{line.strip()}'")
        exports.append((name, bool(rest), namespace))
    return exports


def kernel_declarations_c(exports):
    # C++, so that every SDK header can be included (lkmemu/new.h is C++ only).
    lines = ["// Generated by genksyms from kernel-exports.txt: do not edit. Each pointer's DWARF type",
             "// is the declaration the SDK headers give the export; its CRC is taken from it.",
             "#include <linux/fs.h>", "#include <linux/jiffies.h>", "#include <linux/module.h>",
             "#include <linux/printk.h>", "#include <linux/slab.h>", "#include <linux/string.h>",
             "#include <linux/timer.h>", "#include <linux/uaccess.h>", "#include <lkmemu/new.h>",
             "#include <kunit/test.h>", ""]
    for name, _, _ in exports:
        lines.append(f"extern \"C\" __typeof__({name}) *__lkm_decl_{name};")
        lines.append(f"__typeof__({name}) *__lkm_decl_{name} = &{name};")
    return "\n".join(lines) + "\n"


def kernel_ksymtab_s(exports, crcs):
    """The kernel's export table: entries, CRCs (in the same order) and strings."""
    out = ["# Generated by genksyms from kernel-exports.txt: do not edit."]
    for gpl in (False, True):
        suffix = "_gpl" if gpl else ""
        chosen = [e for e in exports if e[1] == gpl]
        out.append(f'.pushsection __ksymtab{suffix},"a"\n.balign 8')
        for name, _, namespace in chosen:
            out.append(f".quad {name}, __kstrtab_{name}, {f'__kstrns_{name}' if namespace else '0'}")
        out.append(".popsection")
        out.append(f'.pushsection __kcrctab{suffix},"a"\n.balign 4')
        for name, _, _ in chosen:
            out.append(f".long 0x{crcs[name][0]:08x}  # {crcs[name][1][:120]}")
        out.append(".popsection")
    out.append('.pushsection __ksymtab_strings,"a"')
    for name, _, namespace in exports:
        out.append(f'__kstrtab_{name}: .asciz "{name}"')
        if namespace:
            out.append(f'__kstrns_{name}: .asciz "{namespace}"')
    out.append(".popsection")
    return "\n".join(out) + "\n"


def symvers_row(crc, name, owner, gpl, namespace):
    return f"0x{crc:08x}\t{name}\t{owner}\tEXPORT_SYMBOL{'_GPL' if gpl else ''}\t{namespace}\n"


def write_if_changed(path, text):
    """Leaves an unchanged file alone, so the build does not recompile what did not change."""
    path = Path(path)
    if path.exists() and path.read_text() == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kernel-exports", required=True, help="kernel-exports.txt")
    parser.add_argument("--declarations", type=Path, help="write the declarations' C file here")
    parser.add_argument("--object", type=Path, help="the declarations compiled (with -g)")
    parser.add_argument("--ksymtab", type=Path, help="write the kernel's export table (assembly) here")
    parser.add_argument("--symvers", type=Path, help="write vmlinux.symvers here")
    parser.add_argument("--llvm-dwarfdump", default="llvm-dwarfdump")
    args = parser.parse_args()
    try:
        exports = read_kernel_exports(args.kernel_exports)
        if args.declarations:
            write_if_changed(args.declarations, kernel_declarations_c(exports))
        if args.object:
            dies, top = read_dwarf(args.llvm_dwarfdump, args.object)
            decls = {}
            for die in top:
                m = re.fullmatch(r'"__lkm_decl_(\w+)"', die.attrs.get("DW_AT_name", ""))
                if die.tag == "DW_TAG_variable" and m:
                    decls[m.group(1)] = die
            crcs = {}
            for name, _, _ in exports:
                if name not in decls:
                    raise DwarfError(f"{args.object}: no declaration of {name} (is it in the SDK headers?)")
                text = declaration(dies, name, decls[name])
                crcs[name] = (crc_of(text), text)
            if args.ksymtab:
                write_if_changed(args.ksymtab, kernel_ksymtab_s(exports, crcs))
            if args.symvers:
                write_if_changed(args.symvers, "".join(symvers_row(crcs[n][0], n, "vmlinux", g, ns)
                                                       for n, g, ns in sorted(exports)))
    except (DwarfError, OSError) as e:
        print(f"genksyms: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
