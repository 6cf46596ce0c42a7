#!/usr/bin/env python3
"""Builds lkmemu's default initramfs: a newc cpio archive (docs/userland.md).

The tree: /bin /sbin /etc /lib/modules /mnt /tmp /proc /sys /dev /root; the kernel's init program
as /sbin/init; every sample module in /lib/modules/RELEASE/ with the indexes kmod's depmod writes
for them; minimal /etc/passwd, /etc/group, /etc/hostname; and, when the host has a static busybox,
/bin/busybox with a symlink for each applet. Deterministic: the same inputs give the same bytes
(entries sorted by path, every mtime the same, owner root), so boots and snapshots repeat.
"""
import argparse
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

DIRECTORIES = ["bin", "sbin", "etc", "lib", "lib/modules", "mnt", "tmp", "proc", "sys", "dev", "root"]
FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "etc/group": "root:x:0:\n",
    "etc/hostname": "lkmemu\n",
}


def newc_header(ino, mode, nlink, mtime, size, name_size, rdev=(0, 0)):
    fields = [ino, mode, 0, 0, nlink, mtime, size, 0, 0, rdev[0], rdev[1], name_size, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields)


def pad4(out):
    out.extend(b"\0" * (-len(out) % 4))


def write_newc(root, output, mtime):
    """The tree under root as a newc archive, entries sorted by path, owner 0, times mtime."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            paths.append(os.path.relpath(full, root))
    paths.sort()
    out = bytearray()
    for ino, path in enumerate(paths, start=1):
        full = os.path.join(root, path)
        st = os.lstat(full)
        perm = stat.S_IMODE(st.st_mode)
        if stat.S_ISLNK(st.st_mode):
            mode, data, nlink = stat.S_IFLNK | 0o777, os.readlink(full).encode(), 1
        elif stat.S_ISDIR(st.st_mode):
            mode, data, nlink = stat.S_IFDIR | perm, b"", 2
        elif stat.S_ISREG(st.st_mode):
            with open(full, "rb") as f:
                mode, data, nlink = stat.S_IFREG | perm, f.read(), 1
        else:
            sys.exit(f"mkinitramfs: {full}: not a file, directory or symlink")
        name = path.encode() + b"\0"
        out += newc_header(ino, mode, nlink, mtime, len(data), len(name))
        out += name
        pad4(out)
        out += data
        pad4(out)
    out += newc_header(0, 0, 1, 0, 0, 11) + b"TRAILER!!!\0"
    pad4(out)
    with open(output + ".tmp", "wb") as f:
        f.write(out)
    os.replace(output + ".tmp", output)
    return len(paths)


def is_static_elf(path):
    """An ELF64 executable without PT_INTERP: it runs without a dynamic loader."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2:
        return False
    phoff, = struct.unpack_from("<Q", elf, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", elf, 0x36)
    return all(struct.unpack_from("<I", elf, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def add_busybox(root, busybox):
    """/bin/busybox and its applets as symlinks to it, where nothing else is already."""
    shutil.copyfile(busybox, os.path.join(root, "bin/busybox"))
    os.chmod(os.path.join(root, "bin/busybox"), 0o755)
    applets = subprocess.run([busybox, "--list-full"], check=True, capture_output=True, text=True).stdout.split()
    linked = 0
    for applet in sorted(applets):
        link = os.path.join(root, applet)
        if os.path.lexists(link):
            continue  # /sbin/init is the kernel's init, /bin/busybox itself
        os.makedirs(os.path.dirname(link), mode=0o755, exist_ok=True)
        os.symlink("/bin/busybox", link)
        linked += 1
    return linked


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True)
    parser.add_argument("--init", required=True, help="the ring-3 init ELF, installed as /sbin/init")
    parser.add_argument("--release", required=True, help="uname -r: the modules' vermagic release")
    parser.add_argument("--module", action="append", default=[], help="a .ko for /lib/modules/RELEASE/")
    parser.add_argument("--depmod", default="", help="kmod's depmod (empty: no module indexes)")
    parser.add_argument("--busybox", default="", help="a static busybox (empty: none)")
    parser.add_argument("--mtime", type=int, default=int(os.environ.get("SOURCE_DATE_EPOCH", "0")))
    args = parser.parse_args()

    old_umask = os.umask(0o022)
    with tempfile.TemporaryDirectory(prefix="initramfs.", dir=os.path.dirname(os.path.abspath(args.output))) as root:
        os.chmod(root, 0o755)
        for d in DIRECTORIES:
            os.makedirs(os.path.join(root, d), mode=0o755, exist_ok=True)
        os.chmod(os.path.join(root, "tmp"), 0o1777)
        os.chmod(os.path.join(root, "root"), 0o700)
        for path, text in FILES.items():
            with open(os.path.join(root, path), "w") as f:
                f.write(text)
        shutil.copyfile(args.init, os.path.join(root, "sbin/init"))
        os.chmod(os.path.join(root, "sbin/init"), 0o755)

        modules = os.path.join(root, "lib/modules", args.release)
        os.makedirs(modules, mode=0o755)
        for ko in sorted(args.module):
            shutil.copyfile(ko, os.path.join(modules, os.path.basename(ko)))
            os.chmod(os.path.join(modules, os.path.basename(ko)), 0o644)
        if args.depmod:
            # modules.order lists every module; modules.builtin (none are) keeps depmod quiet.
            with open(os.path.join(modules, "modules.order"), "w") as f:
                f.writelines(os.path.basename(ko) + "\n" for ko in sorted(args.module))
            for empty in ("modules.builtin", "modules.builtin.modinfo"):
                open(os.path.join(modules, empty), "w").close()
            # depmod takes only a version that starts "N.N" (kmod's depmod.c), and lkmemu's
            # release does not: it indexes a directory of such a name, renamed after. The
            # indexes hold paths relative to the directory, so they stay true.
            stand_in = "0.0-" + args.release
            os.rename(modules, os.path.join(root, "lib/modules", stand_in))
            subprocess.run([args.depmod, "-b", root, stand_in], check=True)
            os.rename(os.path.join(root, "lib/modules", stand_in), modules)
            for name in os.listdir(modules):
                os.chmod(os.path.join(modules, name), 0o644)
        else:
            print("mkinitramfs: no depmod (Debian's kmod): /lib/modules has no indexes", file=sys.stderr)

        if args.busybox and not is_static_elf(args.busybox):
            print(f"mkinitramfs: {args.busybox} is not statically linked: the image has no busybox", file=sys.stderr)
            args.busybox = ""
        if args.busybox:
            linked = add_busybox(root, args.busybox)
            note = f"busybox with {linked} applet links"
        else:
            note = "no busybox (install Debian's busybox-static to have one)"
        count = write_newc(root, args.output, args.mtime)
    os.umask(old_umask)
    print(f"mkinitramfs: {args.output}: {count} entries, {len(args.module)} modules, {note}")


if __name__ == "__main__":
    main()
