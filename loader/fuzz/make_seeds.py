#!/usr/bin/env python3
"""Seeds for the loader fuzzer: a valid module broken in each way the loader must refuse (issue
#16, item 4), so the fuzzer starts at those checks and mutates around them instead of having to
find them from valid objects by chance. Each seed is one field changed:

  rela-self            a relocation section whose sh_info names itself
  rela-symtab          ... names the symbol table
  rela-strtab          ... names a string table
  rela-rela            ... names another relocation section
  rela-twice           two relocation sections apply to .text
  strtab-unterminated  an unused SHT_STRTAB whose last byte is not NUL
  ksymtab-strings-cut  __ksymtab_strings one byte short: its last name unterminated
  param-name           __param's name relocated outside the module
  param-type           __param entry of an unknown type
  param-arg-text       __param's variable relocated to a function
  param-array          __param's array larger than the module's data
  param-num            an element count for a scalar

usage: make_seeds.py MODULE.o OUTPUT_DIR   (MODULE.o: tests/loader's hello.clang.o)
"""
import struct
import sys
from pathlib import Path

SHT_SYMTAB, SHT_STRTAB, SHT_RELA = 2, 3, 4
SHDR = struct.Struct("<IIQQQQIIQQ")  # name type flags addr offset size link info addralign entsize
RELA = struct.Struct("<QQq")
SYM = struct.Struct("<IBBHQQ")


class Elf:
    def __init__(self, data):
        self.data = bytearray(data)
        self.shoff, = struct.unpack_from("<Q", data, 0x28)
        self.shnum, self.shstrndx = struct.unpack_from("<HH", data, 0x3C)
        self.sections = [list(SHDR.unpack_from(data, self.shoff + i * 64)) for i in range(self.shnum)]
        strtab = self.sections[self.shstrndx]
        self.names = [self.cstring(strtab[4] + s[0]) for s in self.sections]

    def cstring(self, offset):
        end = self.data.index(0, offset)
        return self.data[offset:end].decode()

    def index(self, name):
        return self.names.index(name)

    def set(self, index, field, value):
        self.sections[index][field] = value
        SHDR.pack_into(self.data, self.shoff + index * 64, *self.sections[index])

    def rela(self, target, offset):
        """File offset of the first RELA entry applying to section `target` at `offset`."""
        for i, s in enumerate(self.sections):
            if s[1] == SHT_RELA and s[7] == self.index(target):
                for at in range(s[4], s[4] + s[5], 24):
                    if RELA.unpack_from(self.data, at)[0] == offset:
                        return at
        raise SystemExit(f"make_seeds.py: no relocation of {target}+{offset:#x}")

    def symbol(self, name):
        symtab = self.sections[self.index(".symtab")]
        strtab = self.sections[symtab[6]]
        for i in range(symtab[5] // 24):
            st_name = SYM.unpack_from(self.data, symtab[4] + i * 24)[0]
            if self.cstring(strtab[4] + st_name) == name:
                return i
        raise SystemExit(f"make_seeds.py: no symbol {name}")


def seeds(original):
    def variant(edit):
        elf = Elf(original)
        edit(elf)
        return bytes(elf.data)

    rela_text = lambda e: e.index(".rela.text")
    param = lambda e: e.sections[e.index("__param")][4]

    def add_addend(target, offset, delta):
        def edit(e):
            at = e.rela(target, offset)
            r_offset, r_info, r_addend = RELA.unpack_from(e.data, at)
            RELA.pack_into(e.data, at, r_offset, r_info, r_addend + delta)
        return edit

    def arg_to_function(e):
        at = e.rela("__param", 8)
        r_offset, r_info, _ = RELA.unpack_from(e.data, at)
        RELA.pack_into(e.data, at, r_offset, (e.symbol("hello_add") << 32) | (r_info & 0xFFFFFFFF), 0)

    def unterminated_strtab(e):
        i = e.index(".comment")
        e.set(i, 1, SHT_STRTAB)
        e.data[e.sections[i][4] + e.sections[i][5] - 1] = ord("x")

    def ksymtab_strings_cut(e):
        i = e.index("__ksymtab_strings")
        e.set(i, 5, e.sections[i][5] - 1)

    return {
        "rela-self": variant(lambda e: e.set(rela_text(e), 7, rela_text(e))),
        "rela-symtab": variant(lambda e: e.set(rela_text(e), 7, e.index(".symtab"))),
        "rela-strtab": variant(lambda e: e.set(rela_text(e), 7, e.shstrndx)),
        "rela-rela": variant(lambda e: e.set(rela_text(e), 7, e.index(".rela.init.text"))),
        "rela-twice": variant(lambda e: e.set(e.index(".rela.init.text"), 7, e.index(".text"))),
        "strtab-unterminated": variant(unterminated_strtab),
        "ksymtab-strings-cut": variant(ksymtab_strings_cut),
        "param-name": variant(add_addend("__param", 0, 0x10000000)),
        "param-type": variant(lambda e: struct.pack_into("<I", e.data, param(e) + 16, 9)),
        "param-arg-text": variant(arg_to_function),
        "param-array": variant(lambda e: struct.pack_into("<I", e.data, param(e) + 20, 0x100000)),
        "param-num": variant(lambda e: struct.pack_into("<Q", e.data, param(e) + 24, 0xFFFFFFFFA0001000)),
    }


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.split("\n\n")[-1].strip())
    original = Path(sys.argv[1]).read_bytes()
    out = Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds(original).items():
        (out / f"refused-{name}.o").write_bytes(data)


if __name__ == "__main__":
    main()
