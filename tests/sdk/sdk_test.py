#!/usr/bin/env python3
"""The module SDK as a module author uses it, outside the tree (docs/module-sdk.md).

    sdk_test.py --build-dir B --source-dir S --modules tests/sdk/tree SCENARIO

kbuild         make -C B/sdk M=...: a provider, a two-file consumer of its export (modpost's
               "undefined!" without KBUILD_EXTRA_SYMBOLS, depends= with them), a C++ module;
               loaded and run in lkmemu; modules_install + depmod; clean; CC=gcc changes nothing
cmake_package  find_package(LkmemuSDK) + lkmemu_add_module from a project whose C compiler is gcc
install        cmake --install B --prefix P, then P's lkmemu boots and loads an installed module
               and P's SDK builds one, opening nothing under B or S (strace)
Each works in a temporary folder; a failure says which check and shows the output.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RELEASE = "lkmemu-abi1"


class Failure(Exception):
    pass


def run(argv, cwd=None, env=None, expect=0):
    if cwd is not None:  # as a shell started there would have it
        env = dict(env if env is not None else os.environ, PWD=str(cwd))
        # A pyenv shim that started this script exported its folder (the build's); pyenv's
        # shims look for .python-version from there, so forget it as a new shell would.
        env.pop("PYENV_DIR", None)
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True)
    if expect is not None and done.returncode != expect:
        raise Failure(f"{' '.join(map(str, argv))}: exit status {done.returncode}, expected {expect}\n"
                      f"--- stdout\n{done.stdout}--- stderr\n{done.stderr}")
    return done


def check(condition, message, output=""):
    if not condition:
        raise Failure(message + (f"\n--- output\n{output}" if output else ""))


def check_lines(text, expected, what):
    """Every expected line appears in `text`, in this order."""
    lines = text.splitlines()
    at = 0
    for line in expected:
        try:
            at = lines.index(line, at) + 1
        except ValueError:
            raise Failure(f"{what}: no line '{line}' (in order)\n--- output\n{text}")


def copy_tree(modules, name, tmp):
    target = tmp / name
    shutil.copytree(modules / name, target)
    return target


def modinfo(lkmemu, ko, field):
    out = run([lkmemu, "modinfo", "-F", field, ko]).stdout
    return out.strip()


def lkmemu_session(lkmemu, commands, cwd):
    done = run([lkmemu, "run", "-c", "; ".join(commands)], cwd=cwd)
    return done.stdout + done.stderr


def kbuild(args, tmp):
    sdk = args.build_dir / "sdk"
    lkmemu = args.build_dir / "bin" / "lkmemu"
    provider = copy_tree(args.modules, "provider", tmp)
    consumer = copy_tree(args.modules, "consumer", tmp)
    cxx = copy_tree(args.modules, "cxx", tmp)
    make = ["make", "-C", sdk]

    out = run(make + [f"M={provider}"]).stdout
    check_lines(out, [f"  CC [M]  {provider}/oot_provider.o", f"  MODPOST {provider}/Module.symvers",
                      f"  CC [M]  {provider}/oot_provider.mod.o", f"  LD [M]  {provider}/oot_provider.ko"],
                "make M=provider")
    symvers = (provider / "Module.symvers").read_text()
    check(re.fullmatch(r"0x[0-9a-f]{8}\toot_provider_add\toot_provider\tEXPORT_SYMBOL\t\n", symvers) is not None,
          "provider's Module.symvers", symvers)

    # Without the provider's exports modpost warns, as Linux's, and the module has no depends=.
    done = run(make + [f"M={consumer}"])
    check_lines(done.stdout, [f"  CC [M]  {consumer}/main.o", f"  CC [M]  {consumer}/helper.o",
                              f"  LD [M]  {consumer}/oot_consumer.o", f"  MODPOST {consumer}/Module.symvers",
                              f"  LD [M]  {consumer}/oot_consumer.ko"], "make M=consumer")
    check('WARNING: modpost: "oot_provider_add" [oot_consumer.ko] undefined!' in done.stderr.splitlines(),
          "modpost's undefined! warning", done.stderr)
    check(modinfo(lkmemu, consumer / "oot_consumer.ko", "depends") == "", "depends= without the provider")
    out = lkmemu_session(lkmemu, [f"expect ENOENT insmod {consumer}/oot_consumer.ko", "dmesg"], tmp)
    check("oot_consumer: Unknown symbol oot_provider_add (err -2)" in out, "insmod without the provider", out)

    # With them: resolved, depends=oot_provider, and only what changed is rebuilt.
    extra = f"KBUILD_EXTRA_SYMBOLS={provider}/Module.symvers"
    done = run(make + [f"M={consumer}", extra])
    check("undefined!" not in done.stderr, "modpost with KBUILD_EXTRA_SYMBOLS", done.stderr)
    check(f"  CC [M]  {consumer}/main.o" not in done.stdout, "an unchanged object was rebuilt", done.stdout)
    check_lines(done.stdout, [f"  MODPOST {consumer}/Module.symvers", f"  CC [M]  {consumer}/oot_consumer.mod.o",
                              f"  LD [M]  {consumer}/oot_consumer.ko"], "make M=consumer KBUILD_EXTRA_SYMBOLS")
    check(modinfo(lkmemu, consumer / "oot_consumer.ko", "depends") == "oot_provider", "depends=oot_provider")
    check((consumer / "Module.symvers").read_text() == "", "the consumer's Module.symvers lists the provider")

    out = run(make + [f"M={cxx}"]).stdout
    check_lines(out, [f"  CXX [M] {cxx}/oot_cxx.cpp.o", f"  LD [M]  {cxx}/oot_cxx.o", f"  LD [M]  {cxx}/oot_cxx.ko"],
                "make M=cxx")

    out = lkmemu_session(lkmemu, [f"insmod {provider}/oot_provider.ko", f"insmod {consumer}/oot_consumer.ko",
                                  f"insmod {cxx}/oot_cxx.ko", "lsmod", "expect EAGAIN rmmod oot_provider",
                                  "rmmod oot_cxx", "rmmod oot_consumer", "rmmod oot_provider", "dmesg"], tmp)
    for line in ("oot_provider: hello from outside the tree", "oot_consumer: 40 + 2 = 42",
                 "oot_cxx: counted to 2", "oot_provider: goodbye"):
        check(line in out, f"the modules ran: '{line}'", out)
    check(re.search(r"^oot_provider\s+\d+\s+1\s+oot_consumer$", out, re.MULTILINE) is not None,
          "lsmod shows oot_consumer using oot_provider", out)

    # modules_install: RELEASE/extra/ and kmod's depmod, whose modules.dep has the dependency.
    root = tmp / "root"
    for tree, more in ((provider, []), (consumer, [extra])):
        out = run(make + [f"M={tree}", "modules_install", f"INSTALL_MOD_PATH={root}"] + more).stdout
        name = "oot_provider" if tree == provider else "oot_consumer"
        check_lines(out, [f"  INSTALL {root}/lib/modules/{RELEASE}/extra/{name}.ko",
                          f"  DEPMOD  {root}/lib/modules/{RELEASE}"], f"modules_install M={tree.name}")
    dep = (root / "lib/modules" / RELEASE / "modules.dep").read_text().splitlines()
    check("extra/oot_consumer.ko: extra/oot_provider.ko" in dep, "modules.dep's line", "\n".join(dep))
    check("extra/oot_provider.ko:" in dep, "modules.dep's provider line", "\n".join(dep))

    # V=1 shows the commands: the guest's clang whatever CC the user has; CC=gcc and host CFLAGS
    # change nothing in the result.
    before = (consumer / "oot_consumer.ko").read_bytes()
    run(make + [f"M={consumer}", "clean"])
    left = sorted(p.name for p in consumer.iterdir())
    check(left == ["Makefile", "helper.c", "main.c"], f"clean left {left}")
    env = dict(os.environ, CC="gcc", CFLAGS="-m32 -O0", LDFLAGS="-static")
    out = run(make + [f"M={consumer}", extra, "V=1"], env=env).stdout
    check(re.search(r"^\S*clang\S* .*-c -o \S*/main\.o \S*/main\.c$", out, re.MULTILINE) is not None,
          "V=1 prints the clang command", out)
    check(not re.search(r"\bgcc\b|-m32", out), "CC or CFLAGS leaked into the build", out)
    check((consumer / "oot_consumer.ko").read_bytes() == before, "CC=gcc built a different oot_consumer.ko")


CMAKE_PROJECT = """\
cmake_minimum_required(VERSION 3.20)
project(oot_package C)
find_package(LkmemuSDK REQUIRED)
# A host program, built by the project's own compiler (gcc here), beside the modules.
add_executable(host_tool host_tool.c)
lkmemu_add_module(oot_provider SOURCES provider/oot_provider.c)
lkmemu_add_module(oot_consumer SOURCES consumer/main.c consumer/helper.c EXTRA_SYMBOLS oot_provider)
file(WRITE ${CMAKE_BINARY_DIR}/compiler.txt "${CMAKE_C_COMPILER_ID}")
"""


def cmake_package(args, tmp):
    lkmemu = args.build_dir / "bin" / "lkmemu"
    project = tmp / "project"
    project.mkdir()
    copy_tree(args.modules, "provider", project)
    copy_tree(args.modules, "consumer", project)
    (project / "CMakeLists.txt").write_text(CMAKE_PROJECT)
    (project / "host_tool.c").write_text('#include <stdio.h>\nint main(void) { puts("host tool"); return 0; }\n')
    build = tmp / "build"
    env = dict(os.environ, CC="gcc")
    env.pop("CMAKE_C_COMPILER_LAUNCHER", None)
    run(["cmake", "-S", project, "-B", build, f"-DLkmemuSDK_DIR={args.build_dir}/sdk/cmake"], env=env)
    check((build / "compiler.txt").read_text() == "GNU", "the project's C compiler is not gcc")
    out = run(["cmake", "--build", build], env=env).stdout
    check("undefined!" not in out, "modpost warned", out)
    check(run([build / "host_tool"]).stdout == "host tool\n", "the host tool")
    for name in ("oot_provider", "oot_consumer"):
        check((build / f"{name}.ko").is_file(), f"{name}.ko was not built", out)
    check(modinfo(lkmemu, build / "oot_consumer.ko", "depends") == "oot_provider", "depends=oot_provider")
    out = lkmemu_session(lkmemu, [f"insmod {build}/oot_provider.ko", f"insmod {build}/oot_consumer.ko",
                                  "rmmod oot_consumer", "rmmod oot_provider", "dmesg"], tmp)
    check("oot_consumer: 40 + 2 = 42" in out, "the CMake-built modules ran", out)
    # A second build has nothing to do.
    out = run(["cmake", "--build", build], env=env).stdout
    check("LD [M]" not in out and "CC [M]" not in out, "an up-to-date build rebuilt", out)


def opened_paths(strace_log):
    """{path: the strace line} of the files a traced process opened or ran successfully. Stats are
    left out: pyenv's python3 shim (on PATH on some machines) stats the folder it was first started
    from, which is not using anything there."""
    paths = {}
    for line in Path(strace_log).read_text(errors="replace").splitlines():
        match = re.search(r'(?:openat|open|execve)\((?:AT_FDCWD, )?"([^"]+)"', line)
        if match and not re.search(r"= -1 E", line):
            paths.setdefault(match.group(1), line)
    return paths


def check_not_under(paths, roots, what):
    used = sorted(line for p, line in paths.items() for r in roots if p == str(r) or p.startswith(str(r) + "/"))
    check(not used, f"{what} used the build or source tree:\n" + "\n".join(used[:10]))


def install(args, tmp):
    prefix = tmp / "prefix"
    run(["cmake", "--install", args.build_dir, "--prefix", prefix])
    for path in ("bin/lkmemu", "lib/lkmemu/kernel.elf", "lib/lkmemu/initramfs.cpio", "lib/lkmemu/modules/hello.ko",
                 "lib/lkmemu/modules/Module.symvers", "lib/lkmemu/sdk/Makefile", "lib/lkmemu/sdk/Module.symvers",
                 "lib/lkmemu/sdk/include/linux/module.h", "lib/lkmemu/sdk/abi/lkmemu/module_abi.h",
                 "lib/cmake/LkmemuSDK/LkmemuSDKConfig.cmake"):
        check((prefix / path).exists(), f"not installed: {path}")
    # Moved after installing: nothing in it may remember where it was put.
    moved = tmp / "moved"
    prefix.rename(moved)
    roots = [args.build_dir.resolve(), args.source_dir.resolve()]
    have_strace = shutil.which("strace") is not None

    lkmemu = moved / "bin" / "lkmemu"
    trace = tmp / "lkmemu.strace"
    hello = moved / "lib/lkmemu/modules/hello.ko"
    argv = [lkmemu, "run", "-c", f"insmod {hello} who=prefix; lsmod; rmmod hello; dmesg"]
    env = None
    if have_strace:
        argv = ["strace", "-f", "-o", trace, "-e", "trace=file,process"] + argv
        # A sanitizer build's LeakSanitizer cannot run under ptrace (it stops the process with a
        # fatal error); the files used are what this run checks.
        env = dict(os.environ, ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0")
    out = run(argv, cwd=tmp, env=env)
    check("Hello, prefix!" in out.stdout + out.stderr, "the installed lkmemu loaded hello.ko", out.stdout + out.stderr)
    if have_strace:
        paths = opened_paths(trace)
        check(str(moved / "lib/lkmemu/kernel.elf") in paths, "the installed lkmemu did not boot its kernel.elf")
        check(str(moved / "lib/lkmemu/initramfs.cpio") in paths, "the installed lkmemu did not use its initramfs")
        check_not_under(paths, roots, "the installed lkmemu")

    provider = copy_tree(args.modules, "provider", tmp)
    trace = tmp / "make.strace"
    argv = ["make", "-C", moved / "lib/lkmemu/sdk", f"M={provider}"]
    if have_strace:
        argv = ["strace", "-f", "-o", trace, "-e", "trace=file,process"] + argv
    run(argv, cwd=provider)  # where a module author runs it
    if have_strace:
        check_not_under(opened_paths(trace), roots, "the installed SDK")
    out = lkmemu_session(lkmemu, [f"insmod {provider}/oot_provider.ko", "dmesg"], tmp)
    check("oot_provider: hello from outside the tree" in out, "a module of the installed SDK ran", out)
    if not have_strace:
        print("sdk_test: no strace: which files were used is not checked", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument("--source-dir", type=Path, required=True)
    parser.add_argument("--modules", type=Path, required=True)
    parser.add_argument("scenario", choices=["kbuild", "cmake_package", "install"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix=f"sdk-{args.scenario}.") as tmp:
        try:
            globals()[args.scenario](args, Path(tmp))
        except Failure as e:
            print(f"sdk_test {args.scenario}: FAILED: {e}", file=sys.stderr)
            return 1
    print(f"sdk_test {args.scenario}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
