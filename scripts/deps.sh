#!/usr/bin/env bash
# Installs what lkmemu needs to build and test, and nothing when it is already there.
#   Debian packages: the toolchains (clang/lld build the guest), Catch2, Capstone, gdb, QEMU, and
#                    clang's sanitizer and libFuzzer runtimes (libclang-rt-dev, which clang only
#                    recommends) for the loader's fuzzer and scripts/test.sh --sanitize.
#                    busybox-static and kmod: the default initramfs carries Debian's busybox and
#                    the module indexes kmod's depmod writes (docs/userland.md).
#                    libssl-dev and openssl: module signing (the build's key, lkmemu-sign-file,
#                    modinfo's sig_* fields); liblzma-dev/libzstd-dev (+ xz-utils, zstd): .ko.xz and
#                    .ko.zst; libedit-dev: the console's line editing; strace: sdk.install checks
#                    which files an installed lkmemu and SDK use (docs/dependencies.md).
#   PyPI: the unicorn==2.1.4 wheel, which carries Unicorn's headers and libunicorn.so.2.
#         Debian's libunicorn-dev is 2.0.1 and cannot run this kernel (see docs/dependencies.md).
# Sourced or run by scripts/demo.sh and scripts/test.sh; prints UNICORN_ROOT's value at the end.
set -euo pipefail

UNICORN_VERSION=2.1.4
UNICORN_ROOT=${UNICORN_ROOT:-${XDG_CACHE_HOME:-$HOME/.cache}/lkmemu/unicorn-$UNICORN_VERSION}

packages=(bsdutils clang libclang-rt-dev lld llvm cmake ninja-build make catch2 libcapstone-dev libcli11-dev libfmt-dev nlohmann-json3-dev
          gdb qemu-system-x86 python3-pip
          nettle-dev
          gcc g++ binutils kmod busybox-static
          libssl-dev openssl liblzma-dev libzstd-dev xz-utils zstd libedit-dev strace)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing Debian packages: ${missing[*]}" >&2
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

if [ ! -f "$UNICORN_ROOT/unicorn/lib/libunicorn.so.2" ]; then
  echo "deps: installing unicorn==$UNICORN_VERSION (PyPI wheel) into $UNICORN_ROOT" >&2
  mkdir -p "$UNICORN_ROOT"
  python3 -m pip install --quiet --disable-pip-version-check --no-deps --target "$UNICORN_ROOT" \
    "unicorn==$UNICORN_VERSION" >&2
fi
echo "$UNICORN_ROOT"
