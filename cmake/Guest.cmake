# Helpers for code that runs inside the guest: the kernel, its init process and modules.
# They are ordinary CMake targets built by the same clang, but for the freestanding
# x86_64-unknown-none-elf target and linked by ld.lld with a linker script.
#
# Guest code is built with the flags below and nothing of the host's: CMAKE_<LANG>_FLAGS, their
# per-configuration variants and CMAKE_EXE_LINKER_FLAGS describe the host (a sanitized or -O0
# host must still get a working kernel: the guest has no sanitizer runtime). CMake applies a
# directory's values of those variables to every target in it, so each directory that defines
# guest targets calls lkmemu_guest_directory() first and defines no host targets.

set(LKMEMU_GUEST_TRIPLE x86_64-unknown-none-elf)

macro(lkmemu_guest_directory)
  set(_lkmemu_configs DEBUG RELEASE RELWITHDEBINFO MINSIZEREL ${CMAKE_CONFIGURATION_TYPES} ${CMAKE_BUILD_TYPE})
  string(TOUPPER "${_lkmemu_configs}" _lkmemu_configs)
  foreach(_lkmemu_suffix "" ${_lkmemu_configs})
    if(_lkmemu_suffix)
      set(_lkmemu_suffix _${_lkmemu_suffix})
    endif()
    foreach(_lkmemu_lang C CXX ASM)
      set(CMAKE_${_lkmemu_lang}_FLAGS${_lkmemu_suffix} "")
    endforeach()
    set(CMAKE_EXE_LINKER_FLAGS${_lkmemu_suffix} "")
  endforeach()
endmacro()

# Flags shared by every piece of guest code. -O2 -g whatever the host's build type: the kernel's
# code is measured in guest instructions (docs/benchmarks.md), and gdb and oopses read its DWARF.
set(LKMEMU_GUEST_COMMON_FLAGS
  --target=${LKMEMU_GUEST_TRIPLE} -O2 -g
  -ffreestanding -fno-builtin -nostdlib -nostdinc++
  -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables -fno-unwind-tables
  -fno-stack-protector -fno-pic -fno-threadsafe-statics -fno-common
  -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx
  -Wall -Wextra -Wno-unused-parameter)

# Kernel-side code (the kernel and modules): the -2 GiB code model, as Linux builds them. Stack
# clash protection makes a frame larger than a page touch each page on its way down, so a huge
# frame hits the kernel stack's guard instead of jumping over it (clang's driver enables the flag
# only for Linux targets, hence -Xclang).
set(LKMEMU_GUEST_KERNEL_FLAGS ${LKMEMU_GUEST_COMMON_FLAGS} -mcmodel=kernel -Xclang -fstack-clash-protection)

# lkmemu_guest_executable(NAME LINKER_SCRIPT script [CODE_MODEL user] SOURCES ...)
function(lkmemu_guest_executable name)
  cmake_parse_arguments(G "" "LINKER_SCRIPT;CODE_MODEL" "SOURCES" ${ARGN})
  add_executable(${name} ${G_SOURCES})
  if(G_CODE_MODEL STREQUAL "user")
    set(flags ${LKMEMU_GUEST_COMMON_FLAGS})
  else()
    set(flags ${LKMEMU_GUEST_KERNEL_FLAGS})
  endif()
  target_compile_options(${name} PRIVATE ${flags})
  target_link_options(${name} PRIVATE
    --target=${LKMEMU_GUEST_TRIPLE} -nostdlib -static -fuse-ld=lld
    -Wl,-T,${G_LINKER_SCRIPT} -Wl,--build-id=none -Wl,-z,max-page-size=4096 -Wl,-z,norelro
    -Wl,--no-dynamic-linker)
  set_target_properties(${name} PROPERTIES LINK_DEPENDS ${G_LINKER_SCRIPT} SUFFIX ".elf")
endfunction()
