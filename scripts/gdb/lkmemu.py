# gdb helpers for lkmemu's kernel modules, in the spirit of Linux's scripts/gdb (lx-symbols,
# lx-lsmod). Source it in gdb on kernel.elf (lkmemu.gdb does):
#
#   (gdb) source scripts/gdb/lkmemu.py
#   (gdb) lkm-symbols            # add every loaded module's symbols, and keep them in step
#   (gdb) break hello_init       # pending until hello.ko is loaded; stops there with source
#
# The module list is what the kernel publishes for observers, `lkm_observed_modules`
# (abi/lkmemu/observer.h); it is read as raw memory, so it does not depend
# on how the compiler described the structures.
import os
import struct

import gdb

# The layout of observer.h this script reads: LKM_OBSERVER_VERSION and struct lkm_meminfo,
# struct lkm_observed_module and struct lkm_observed_section. The kernel's lkm_observer_abi
# must say the same before anything else is read.
OBSERVER_VERSION = 1
ABI_FORMAT = "<IIII"  # struct lkm_observer_abi: version, meminfo_size, module_size, section_size
MEMINFO_SIZE = struct.calcsize("<QQQQQQ")
MODULE_NAME_LEN = 56
MODULE_FORMAT = "<Q%dsIIQQQQQ" % MODULE_NAME_LEN
MODULE_SIZE = struct.calcsize(MODULE_FORMAT)
SECTION_FORMAT = "<QQ48s"
SECTION_SIZE = struct.calcsize(SECTION_FORMAT)
STATES = {0: "Live", 1: "Loading", 2: "Unloading", 3: "Unformed"}

# The kernel's load path, named after Linux's: do_init_module runs once the module is laid out,
# relocated, write-protected and listed (state COMING) and before its init; free_module undoes a
# load, on unload and on a failed init alike.
LOAD_HOOK = "do_init_module"
UNLOAD_HOOK = "free_module"


def _c_string(raw):
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def _read(address, size):
    return bytes(gdb.selected_inferior().read_memory(address, size))


def _describe_abi(version, meminfo_size, module_size, section_size):
    return "version %d (meminfo %d, module %d, section %d bytes)" % (version, meminfo_size, module_size, section_size)


def check_observer_abi():
    """Refuse a kernel that does not publish the observer layout this script reads."""
    abi_symbol = gdb.lookup_global_symbol("lkm_observer_abi")
    if abi_symbol is None:
        raise gdb.GdbError("lkm: kernel does not publish lkm_observer_abi")
    found = struct.unpack(ABI_FORMAT, _read(int(abi_symbol.value().address), struct.calcsize(ABI_FORMAT)))
    expected = (OBSERVER_VERSION, MEMINFO_SIZE, MODULE_SIZE, SECTION_SIZE)
    if found != expected:
        raise gdb.GdbError("lkm: kernel observer ABI mismatch: this script reads %s, the kernel publishes %s"
                           % (_describe_abi(*expected), _describe_abi(*found)))


def read_modules():
    """The loaded modules, in list order: dicts with name, state, sections [(name, addr, size)]."""
    check_observer_abi()
    head_symbol = gdb.lookup_global_symbol("lkm_observed_modules")
    if head_symbol is None:
        raise gdb.GdbError("lkm: kernel.elf has no lkm_observed_modules (load the kernel's symbols)")
    at = int(head_symbol.value().address)
    (at,) = struct.unpack("<Q", _read(at, 8))
    modules, seen = [], set()
    while at:
        if at in seen:
            raise gdb.GdbError("lkm: the module list loops at 0x%x" % at)
        seen.add(at)
        (next_, name, state, count, sections, core_base, core_size, init_base, init_size) = struct.unpack(
            MODULE_FORMAT, _read(at, MODULE_SIZE))
        module = {"name": _c_string(name), "state": state, "core": (core_base, core_size),
                  "init": (init_base, init_size), "sections": []}
        for i in range(count):
            address, size, section = struct.unpack(SECTION_FORMAT, _read(sections + i * SECTION_SIZE, SECTION_SIZE))
            if size:
                module["sections"].append((_c_string(section), address, size))
        modules.append(module)
        at = next_
    return modules


class LkmSymbols(gdb.Command):
    """Load the symbols of every loaded lkmemu module, and keep them in step.

lkm-symbols [DIR...]: for each module in the kernel's list, runs
  add-symbol-file DIR/NAME.ko -s .text ADDR -s .data ADDR ...
with the addresses its sections really have. DIRs are searched in order, then the modules
directory next to kernel.elf (build/bin/kernel.elf -> build/modules), then the current
directory. Breakpoints on the kernel's load path then add each module's symbols as it is laid
out, before its init runs, and remove them when it is freed."""

    def __init__(self):
        super().__init__("lkm-symbols", gdb.COMMAND_FILES, gdb.COMPLETE_FILENAME)
        self.directories = []
        self.loaded = {}  # module name -> (file, .text address) gdb has symbols for
        self.breakpoints = []

    def search_path(self):
        path = list(self.directories)
        for objfile in gdb.objfiles():
            if objfile.filename and os.path.basename(objfile.filename) == "kernel.elf":
                path.append(os.path.join(os.path.dirname(os.path.dirname(objfile.filename)), "modules"))
        path.append(os.getcwd())
        return path

    def find_file(self, name):
        for directory in self.search_path():
            for candidate in (name, name.replace("_", "-")):
                path = os.path.join(directory, candidate + ".ko")
                if os.path.isfile(path):
                    return path
        return None

    def add_module(self, module):
        name = module["name"]
        if name in self.loaded:
            return
        path = self.find_file(name)
        if path is None:
            gdb.write("lkm-symbols: no %s.ko in %s\n" % (name, ", ".join(self.search_path())))
            return
        sections = dict((section, address) for section, address, _ in module["sections"])
        if not sections:
            gdb.write("lkm-symbols: %s has no sections in the kernel's list\n" % name)
            return
        # .text is add-symbol-file's positional address when the module has any (hello.ko's
        # code is all in .init.text and .exit.text: then every section goes by -s).
        command = "add-symbol-file %s" % path
        if ".text" in sections:
            command += " 0x%x" % sections[".text"]
        for section, address in sections.items():
            if section != ".text":
                command += " -s %s 0x%x" % (section, address)
        gdb.write("lkm-symbols: %s\n" % command)
        gdb.execute(command, to_string=True)
        self.loaded[name] = (path, sections.get(".text", min(sections.values())))

    def remove_module(self, name):
        if name not in self.loaded:
            return
        path, address = self.loaded.pop(name)
        gdb.write("lkm-symbols: remove-symbol-file %s (%s)\n" % (path, name))
        gdb.execute("remove-symbol-file %s" % path, to_string=True)

    def sync(self):
        modules = read_modules()
        names = set(module["name"] for module in modules)
        for name in list(self.loaded):
            if name not in names:
                self.remove_module(name)
        for module in modules:
            self.add_module(module)

    def install_breakpoints(self):
        self.breakpoints = [b for b in self.breakpoints if b.is_valid()]
        if not self.breakpoints:
            self.breakpoints = [LoadBreakpoint(self), UnloadBreakpoint(self)]

    def invoke(self, argument, from_tty):
        self.directories = gdb.string_to_argv(argument) or self.directories
        self.sync()
        self.install_breakpoints()
        gdb.write("lkm-symbols: %d module(s) loaded; following %s and %s\n"
                  % (len(self.loaded), LOAD_HOOK, UNLOAD_HOOK))


class LoadBreakpoint(gdb.Breakpoint):
    """Adds a module's symbols when the kernel is about to run its init; never stops."""

    def __init__(self, command):
        super().__init__(LOAD_HOOK, internal=True)
        self.silent = True
        self.command = command

    def stop(self):
        try:
            self.command.sync()
        except gdb.error as error:
            gdb.write("lkm-symbols: %s\n" % error)
        return False


class UnloadBreakpoint(gdb.Breakpoint):
    """Removes a module's symbols when the kernel frees it; never stops."""

    def __init__(self, command):
        super().__init__(UNLOAD_HOOK, internal=True)
        self.silent = True
        self.command = command

    def stop(self):
        try:
            name = gdb.parse_and_eval("mod")["name"].string()
            self.command.remove_module(name)
        except gdb.error as error:
            gdb.write("lkm-symbols: %s\n" % error)
        return False


class LkmLsmod(gdb.Command):
    """List the loaded lkmemu modules, as lsmod would, with where they are."""

    def __init__(self):
        super().__init__("lkm-lsmod", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        gdb.write("%-20s %-10s %-18s %8s %-18s %8s\n" % ("Module", "State", "Core", "Size", "Init", "Size"))
        for module in read_modules():
            core, init = module["core"], module["init"]
            gdb.write("%-20s %-10s 0x%016x %8d 0x%016x %8d\n"
                      % (module["name"], STATES.get(module["state"], str(module["state"])),
                         core[0], core[1], init[0], init[1]))


class LkmVmmap(gdb.Command):
    """The kernel image's and every loaded module's sections, by address.

The kernel's come from kernel.elf, the modules' from the kernel's list; for page permissions
use `vmmap` in lkmemu's own command line."""

    def __init__(self):
        super().__init__("lkm-vmmap", gdb.COMMAND_DATA)

    def invoke(self, argument, from_tty):
        regions = []
        # The executable's (kernel.elf's) sections, as
        # " [3]      0xffffffff80000000->0xffffffff800128d4 at 0x00002000: .text ALLOC LOAD ..."
        for line in gdb.execute("maint info sections", to_string=True).splitlines():
            if line.startswith("Object file:"):
                break  # symbol files added later (modules) come from the kernel's list instead
            words = line.split()
            if len(words) < 5 or "->" not in words[1] or "ALLOC" not in words[5:]:
                continue
            start, end = (int(x, 16) for x in words[1].split("->"))
            if start < end:
                regions.append((start, end, "kernel " + words[4]))
        for module in read_modules():
            for section, address, size in module["sections"]:
                regions.append((address, address + size, "%s %s" % (module["name"], section)))
        for start, end, name in sorted(set(regions)):
            gdb.write("0x%016x-0x%016x %8d  %s\n" % (start, end, end - start, name))


LkmSymbols()
LkmLsmod()
LkmVmmap()
