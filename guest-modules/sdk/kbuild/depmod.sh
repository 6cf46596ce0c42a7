#!/bin/sh
# depmod.sh DEPMOD RELEASE BASEDIR: kmod's depmod over BASEDIR/lib/modules/RELEASE (Linux's
# scripts/depmod.sh). kmod's depmod takes a version only if it starts "N.N" and lkmemu's release
# does not, so the folder is indexed under a stand-in name and renamed back; the indexes hold
# paths relative to it, so they stay true.
set -eu
depmod=$1 release=$2 base=${3%/}
if ! command -v "$depmod" >/dev/null 2>&1; then
    echo "Warning: modules_install: depmod ($depmod) not found: no modules.dep (install kmod)" >&2
    exit 0
fi
modules=$base/lib/modules
stand_in=0.0-$release
[ ! -e "$modules/$stand_in" ] || { echo "depmod.sh: $modules/$stand_in is in the way" >&2; exit 1; }
# lkmemu has no built-in modules, and an external folder has no modules.order: empty files keep
# depmod from warning about them (as the initramfs does).
for index in modules.order modules.builtin modules.builtin.modinfo; do
    [ -e "$modules/$release/$index" ] || : > "$modules/$release/$index"
done
mv "$modules/$release" "$modules/$stand_in"
status=0
"$depmod" -b "${base:-/}" "$stand_in" || status=$?
mv "$modules/$stand_in" "$modules/$release"
exit $status
