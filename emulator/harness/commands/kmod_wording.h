// kmod's words for a failed insmod or rmmod, so that a transcript reads as one on Linux does.
// Taken from kmod (tools/insmod.c mod_strerror and do_insmod, tools/rmmod.c check_module_inuse
// and do_rmmod, libkmod's kmod_module_remove_module, tools/log.c's "PROGRAM: ERROR: " prefix);
// after kmod's lines comes what kmod cannot show: the kernel's own reason, each line of it as
// "insmod: kernel: ..." (kmod would leave the user to read dmesg).
#pragma once

#include <string>
#include <string_view>

namespace lkmemu::kmod {

// insmod.c's mod_strerror(): the errors init_module gives a meaning of its own; strerror's text
// otherwise (EEXIST is "File exists": kmod's insmod, unlike its modprobe, has no word of its own).
std::string insmod_strerror(int errno_value);

// "insmod: ERROR: could not insert module FILE: WHY", then the kernel's reason.
std::string insmod_failure(std::string_view file, int errno_value, std::string_view kernel_reason);

// What kmod's rmmod prints when delete_module(NAME) fails with errno_value. `argument` is the
// module as the user gave it (a name or a .ko path), `name` the module's name. Without --force
// kmod asks /sys/module first and words "not loaded" and "in use" itself, in one line, without
// calling delete_module: init's reason for EAGAIN is that line ("Module NAME is in use by: A B").
// Any other failure is libkmod's line and rmmod's line, then the kernel's reason.
std::string rmmod_failure(std::string_view argument, std::string_view name, bool forced, int errno_value,
                          std::string_view kernel_reason);

// kmod's lsmod (tools/lsmod.c) from the text of /proc/modules: the header "Module  Size  Used by",
// then per module its name padded to 19, its size right-aligned in 8, its use count and, after a
// space, its holders separated by commas. /proc/modules' users field ("a,b," or "-") is what
// /sys/module/NAME/holders lists; "[permanent]," (a module with init but no exit) names no holder,
// so kmod shows the count alone. A line that is not a module's is left out.
std::string lsmod_table(std::string_view proc_modules);

} // namespace lkmemu::kmod
