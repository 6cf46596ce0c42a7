# Finds Capstone >= 4 (libcapstone-dev) and defines the imported target capstone::capstone: the
# disassembler behind the machine's instruction counts and fault decoding and the tracer's lines.
# Found directly, so that pkg-config is not needed; sources spell #include <capstone/capstone.h>.
set(LKMEMU_CAPSTONE_MIN_VERSION 4)
find_path(LKMEMU_CAPSTONE_INCLUDE_DIR capstone/capstone.h)
# The static archive when there is one: the shared library's ~77,000 relocations cost every
# lkmemu start ~1.5 ms in the dynamic loader (docs/dependencies.md).
find_library(LKMEMU_CAPSTONE_ARCHIVE NAMES libcapstone.a capstone)
if(NOT LKMEMU_CAPSTONE_INCLUDE_DIR OR NOT LKMEMU_CAPSTONE_ARCHIVE)
  message(FATAL_ERROR "Capstone not found (capstone/capstone.h, libcapstone): run scripts/deps.sh "
                      "(it installs libcapstone-dev)")
endif()
file(STRINGS ${LKMEMU_CAPSTONE_INCLUDE_DIR}/capstone/capstone.h _cs_major
     REGEX "^#define CS_API_MAJOR [0-9]+")
string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _cs_major "${_cs_major}")
if(NOT _cs_major OR _cs_major LESS LKMEMU_CAPSTONE_MIN_VERSION)
  message(FATAL_ERROR "Capstone ${_cs_major} at ${LKMEMU_CAPSTONE_INCLUDE_DIR} is too old: lkmemu "
                      "needs >= ${LKMEMU_CAPSTONE_MIN_VERSION} (run scripts/deps.sh)")
endif()

add_library(capstone::capstone UNKNOWN IMPORTED)
set_target_properties(capstone::capstone PROPERTIES
  IMPORTED_LOCATION ${LKMEMU_CAPSTONE_ARCHIVE}
  INTERFACE_INCLUDE_DIRECTORIES ${LKMEMU_CAPSTONE_INCLUDE_DIR})
