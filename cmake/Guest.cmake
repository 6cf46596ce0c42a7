# Helpers for code that runs inside the guest: the kernel, its init process and modules.
# They are ordinary CMake targets built by the same clang, but for the freestanding
# x86_64-unknown-none-elf target and linked by ld.lld with a linker script.

set(LKMEMU_GUEST_TRIPLE x86_64-unknown-none-elf)

# Flags shared by every piece of guest code.
set(LKMEMU_GUEST_COMMON_FLAGS
  --target=${LKMEMU_GUEST_TRIPLE}
  -ffreestanding -fno-builtin -nostdlib -nostdinc++
  -fno-exceptions -fno-rtti -fno-asynchronous-unwind-tables -fno-unwind-tables
  -fno-stack-protector -fno-pic -fno-threadsafe-statics -fno-common
  -mno-red-zone -mno-mmx -mno-sse -mno-sse2 -mno-avx
  -Wall -Wextra -Wno-unused-parameter)

# Kernel-side code (the kernel and modules): the -2 GiB code model, as Linux builds them.
set(LKMEMU_GUEST_KERNEL_FLAGS ${LKMEMU_GUEST_COMMON_FLAGS} -mcmodel=kernel)

# lkmemu_guest_kernel_executable(NAME LINKER_SCRIPT SCRIPT SOURCES ...)
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
