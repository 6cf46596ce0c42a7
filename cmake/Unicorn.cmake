# Finds Unicorn >= 2.1 and defines the imported target unicorn::unicorn.
#
# Debian's libunicorn-dev is 2.0.1: it ignores guest paging and cannot enable NX or SYSCALL, so
# this kernel cannot run on it (../shared/docs/cpu-engine-facts.md, section 1). scripts/deps.sh
# installs the unicorn==2.1.4 wheel from PyPI, which carries headers, libunicorn.a and
# libunicorn.so.2, into UNICORN_ROOT (default ~/.cache/lkmemu/unicorn-2.1.4).
#
# lkmemu links libunicorn.a: the shared library's ~100,000 symbol relocations cost every lkmemu
# process about 5 ms at start-up, longer than the kernel takes to boot (docs/benchmarks.md).
# -DLKMEMU_UNICORN_SHARED=ON links libunicorn.so.2 instead.
set(LKMEMU_UNICORN_MIN_VERSION 2.1)
if(NOT UNICORN_ROOT)
  if(DEFINED ENV{UNICORN_ROOT})
    set(UNICORN_ROOT $ENV{UNICORN_ROOT})
  elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(UNICORN_ROOT $ENV{XDG_CACHE_HOME}/lkmemu/unicorn-2.1.4)
  else()
    set(UNICORN_ROOT $ENV{HOME}/.cache/lkmemu/unicorn-2.1.4)
  endif()
endif()
set(UNICORN_ROOT ${UNICORN_ROOT} CACHE PATH "Directory holding the unicorn wheel's unicorn/ package")

find_path(UNICORN_INCLUDE_DIR unicorn/unicorn.h
  HINTS ${UNICORN_ROOT}/unicorn/include NO_DEFAULT_PATH)
option(LKMEMU_UNICORN_SHARED "Link libunicorn.so.2 instead of libunicorn.a" OFF)
# Two cache entries, so switching the option does not keep the other kind's path.
if(LKMEMU_UNICORN_SHARED)
  find_library(UNICORN_SHARED_LIBRARY NAMES libunicorn.so.2 unicorn HINTS ${UNICORN_ROOT}/unicorn/lib NO_DEFAULT_PATH)
  set(UNICORN_LIBRARY ${UNICORN_SHARED_LIBRARY})
else()
  find_library(UNICORN_STATIC_LIBRARY NAMES libunicorn.a HINTS ${UNICORN_ROOT}/unicorn/lib NO_DEFAULT_PATH)
  set(UNICORN_LIBRARY ${UNICORN_STATIC_LIBRARY})
endif()
find_package(Threads REQUIRED)
# What libunicorn.a itself needs from the system.
set(_uc_system_libs Threads::Threads m)
if(NOT UNICORN_INCLUDE_DIR OR NOT UNICORN_LIBRARY)
  message(FATAL_ERROR
    "Unicorn >= ${LKMEMU_UNICORN_MIN_VERSION} not found under UNICORN_ROOT=${UNICORN_ROOT}.\n"
    "Run scripts/deps.sh (it installs the unicorn==2.1.4 wheel there), or pass -DUNICORN_ROOT=DIR.\n"
    "Debian's libunicorn-dev (2.0.1) is not enough: it ignores guest page tables and has no NX or "
    "SYSCALL (see ../shared/docs/cpu-engine-facts.md).")
endif()

# Ask the library itself: a header from one version next to a library from another would lie.
set(_uc_probe ${CMAKE_BINARY_DIR}/CMakeFiles/unicorn_version.c)
file(WRITE ${_uc_probe} "#include <unicorn/unicorn.h>\n#include <stdio.h>\n"
  "int main(void){unsigned ma,mi;uc_version(&ma,&mi);printf(\"%u.%u\",ma,mi);return 0;}\n")
try_run(_uc_run _uc_compiled ${CMAKE_BINARY_DIR}/CMakeFiles/unicorn_probe ${_uc_probe}
  CMAKE_FLAGS "-DINCLUDE_DIRECTORIES=${UNICORN_INCLUDE_DIR}"
  LINK_LIBRARIES ${UNICORN_LIBRARY} ${CMAKE_THREAD_LIBS_INIT} m
  COMPILE_OUTPUT_VARIABLE _uc_compile_out
  RUN_OUTPUT_VARIABLE UNICORN_VERSION)
if(NOT _uc_compiled OR NOT _uc_run EQUAL 0)
  message(FATAL_ERROR "Could not run a program against ${UNICORN_LIBRARY}:\n${_uc_compile_out}")
endif()
if(UNICORN_VERSION VERSION_LESS LKMEMU_UNICORN_MIN_VERSION)
  message(FATAL_ERROR
    "Unicorn ${UNICORN_VERSION} at ${UNICORN_LIBRARY} is too old: lkmemu needs >= "
    "${LKMEMU_UNICORN_MIN_VERSION}. Older versions identity-map every guest address (no guest "
    "paging), cannot set EFER.NXE or EFER.SCE, and so cannot run this kernel. "
    "Run scripts/deps.sh to install unicorn==2.1.4 from PyPI.")
endif()
message(STATUS "Unicorn ${UNICORN_VERSION}: ${UNICORN_LIBRARY}")

if(LKMEMU_UNICORN_SHARED)
  add_library(unicorn::unicorn SHARED IMPORTED)
  set_target_properties(unicorn::unicorn PROPERTIES
    IMPORTED_LOCATION ${UNICORN_LIBRARY}
    IMPORTED_NO_SONAME FALSE
    INTERFACE_INCLUDE_DIRECTORIES ${UNICORN_INCLUDE_DIR})
  get_filename_component(UNICORN_LIBRARY_DIR ${UNICORN_LIBRARY} DIRECTORY)
  # Programs find libunicorn.so.2 where it was found at build time.
  set(CMAKE_BUILD_RPATH ${CMAKE_BUILD_RPATH} ${UNICORN_LIBRARY_DIR})
else()
  add_library(unicorn::unicorn STATIC IMPORTED)
  set_target_properties(unicorn::unicorn PROPERTIES
    IMPORTED_LOCATION ${UNICORN_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${UNICORN_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES "${_uc_system_libs}")
endif()
