# Building loadable modules (.ko), in Linux's two stages:
#
#   1. lkmemu_add_module(NAME SOURCES a.c b.cpp ...) compiles the sources with the guest kernel
#      flags and links them with `ld.lld -r` into NAME/NAME.o;
#   2. lkmemu_modpost(), called once after every lkmemu_add_module, runs modpost over all those
#      objects (so it knows every module's exports), which writes NAME/NAME.mod.c; each is
#      compiled and linked with NAME.o into ${LKMEMU_MODULES_DIR}/NAME.ko.
#
# Targets: module_NAME builds one .ko, `modules` builds them all. Both functions must be called
# from the same CMakeLists.txt: modpost's inputs and outputs are custom-command files, which CMake
# only connects within one directory.
#
# lkmemu_add_module(NAME SOURCES ... [MODPOST_WARN])
#   MODPOST_WARN: modpost reports this module's errors as warnings (Linux's KBUILD_MODPOST_WARN),
#   for modules built to be refused by the kernel (e.g. a non-GPL module using a GPL-only export).

get_filename_component(LKMEMU_SDK_DIR ${CMAKE_CURRENT_LIST_DIR} DIRECTORY)

find_package(Python3 REQUIRED COMPONENTS Interpreter)
foreach(tool ld.lld llvm-nm llvm-readobj llvm-readelf llvm-dwarfdump)
  string(MAKE_C_IDENTIFIER "LKMEMU_${tool}" var)
  string(TOUPPER ${var} var)
  find_program(${var} NAMES ${tool} ${tool}-14 REQUIRED)
endforeach()

# Modules see the SDK headers, the shared ABI headers and clang's freestanding C headers
# (stdint.h, stddef.h, stdarg.h, stdbool.h), and nothing from the host's /usr/include.
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-resource-dir
                OUTPUT_VARIABLE _lkmemu_clang_resource_dir OUTPUT_STRIP_TRAILING_WHITESPACE
                COMMAND_ERROR_IS_FATAL ANY)
# The flags by language are also what the SDK tree (build/sdk, sdk/CMakeLists.txt) writes for
# out-of-tree builds: defined here once.
set(LKMEMU_MODULE_BASE_FLAGS
  ${LKMEMU_GUEST_KERNEL_FLAGS}
  -g            # DWARF stays in the .ko: the debugger and oops symbolisation read it
  # The kernel's oops walks the frame-pointer chain through module frames too.
  -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
  -DMODULE)
set(LKMEMU_MODULE_C_FLAGS -Werror=incompatible-pointer-types -Werror=implicit-function-declaration
  -Wno-unused-command-line-argument)  # C ignores -nostdinc++
set(LKMEMU_MODULE_CXX_FLAGS -std=c++${CMAKE_CXX_STANDARD})  # what the tree's C++ standard gives
set(LKMEMU_MODULE_FLAGS
  ${LKMEMU_MODULE_BASE_FLAGS}
  -nostdinc -isystem ${_lkmemu_clang_resource_dir}/include
  "$<$<COMPILE_LANGUAGE:C>:${LKMEMU_MODULE_C_FLAGS}>")
# Modules see the SDK and the contract (abi/), never the kernel's own headers.
set(LKMEMU_MODULE_INCLUDES ${LKMEMU_SDK_DIR}/include ${CMAKE_SOURCE_DIR}/abi)

function(_lkmemu_module_compile target name)
  target_compile_options(${target} PRIVATE ${LKMEMU_MODULE_FLAGS})
  target_compile_definitions(${target} PRIVATE KBUILD_MODNAME="${name}")
  target_include_directories(${target} PRIVATE ${LKMEMU_MODULE_INCLUDES})
endfunction()

function(lkmemu_add_module name)
  cmake_parse_arguments(M "MODPOST_WARN" "" "SOURCES" ${ARGN})
  if(NOT M_SOURCES)
    message(FATAL_ERROR "lkmemu_add_module(${name}): no SOURCES")
  endif()
  # C++ modules get operator new/delete over kmalloc/kfree.
  foreach(source ${M_SOURCES})
    if(source MATCHES "\\.(cpp|cc|cxx)$")
      list(APPEND M_SOURCES ${LKMEMU_SDK_DIR}/lib/cxx_support.cpp)
      break()
    endif()
  endforeach()

  add_library(lkm_${name}_objs OBJECT ${M_SOURCES})
  _lkmemu_module_compile(lkm_${name}_objs ${name})

  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${name})
  add_custom_command(
    OUTPUT ${dir}/${name}.o
    COMMAND ${CMAKE_COMMAND} -E make_directory ${dir}
    COMMAND ${LKMEMU_LD_LLD} -r -o ${dir}/${name}.o $<TARGET_OBJECTS:lkm_${name}_objs>
    DEPENDS $<TARGET_OBJECTS:lkm_${name}_objs>
    COMMAND_EXPAND_LISTS
    COMMENT "Linking module object ${name}.o")

  set_property(GLOBAL APPEND PROPERTY LKMEMU_MODULE_NAMES ${name})
  if(M_MODPOST_WARN)
    set_property(GLOBAL APPEND PROPERTY LKMEMU_MODULE_MODPOST_WARN ${name})
  endif()
endfunction()

function(lkmemu_modpost)
  get_property(names GLOBAL PROPERTY LKMEMU_MODULE_NAMES)
  get_property(warn_only GLOBAL PROPERTY LKMEMU_MODULE_MODPOST_WARN)
  set(objects "")
  set(mod_sources "")
  foreach(name ${names})
    list(APPEND objects ${CMAKE_CURRENT_BINARY_DIR}/${name}/${name}.o)
    list(APPEND mod_sources ${CMAKE_CURRENT_BINARY_DIR}/${name}/${name}.mod.c)
  endforeach()
  set(warn_args "")
  foreach(name ${warn_only})
    list(APPEND warn_args --warn-only ${name})
  endforeach()
  list(LENGTH names count)
  set(modpost ${LKMEMU_SDK_DIR}/scripts/modpost.py)
  # The kernel's exports with their CRCs: guest-kernel's genksyms step writes it.
  set(exports ${LKMEMU_KERNEL_SYMVERS})
  add_custom_command(
    OUTPUT ${mod_sources} ${CMAKE_CURRENT_BINARY_DIR}/Module.symvers
    COMMAND ${Python3_EXECUTABLE} ${modpost}
            --kernel-symvers ${exports} --outdir ${CMAKE_CURRENT_BINARY_DIR}
            --symvers ${CMAKE_CURRENT_BINARY_DIR}/Module.symvers ${warn_args}
            --llvm-nm ${LKMEMU_LLVM_NM} --llvm-readobj ${LKMEMU_LLVM_READOBJ}
            --llvm-readelf ${LKMEMU_LLVM_READELF} --llvm-dwarfdump ${LKMEMU_LLVM_DWARFDUMP}
            ${objects}
    DEPENDS ${objects} ${modpost} ${LKMEMU_SDK_DIR}/scripts/genksyms.py ${exports}
    COMMENT "MODPOST ${count} modules")
  add_custom_target(lkmemu_modpost DEPENDS ${mod_sources})
  add_dependencies(lkmemu_modpost kernel_symvers)

  set(module_targets "")
  foreach(name ${names})
    set(dir ${CMAKE_CURRENT_BINARY_DIR}/${name})
    add_library(lkm_${name}_mod OBJECT ${dir}/${name}.mod.c)
    _lkmemu_module_compile(lkm_${name}_mod ${name})
    add_dependencies(lkm_${name}_mod lkmemu_modpost)

    set(ko ${LKMEMU_MODULES_DIR}/${name}.ko)
    add_custom_command(
      OUTPUT ${ko}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${LKMEMU_MODULES_DIR}
      COMMAND ${LKMEMU_LD_LLD} -r -T ${LKMEMU_SDK_DIR}/module.lds -o ${ko}
              ${dir}/${name}.o $<TARGET_OBJECTS:lkm_${name}_mod>
      COMMAND ${LKMEMU_SIGN_MODULE} ${ko} # Linux's modules_sign (cmake/Signing.cmake)
      DEPENDS ${dir}/${name}.o $<TARGET_OBJECTS:lkm_${name}_mod> ${LKMEMU_SDK_DIR}/module.lds ${LKMEMU_SIGNING_KEY}
      COMMAND_EXPAND_LISTS
      COMMENT "Linking module ${name}.ko")
    add_custom_target(module_${name} ALL DEPENDS ${ko})
    list(APPEND module_targets module_${name})
  endforeach()
  add_custom_target(modules ALL)
  add_dependencies(modules ${module_targets})
endfunction()
