# `cmake --install BUILD --prefix P`: lkmemu and everything it runs, so nothing needs the source or
# build tree afterwards (docs/module-sdk.md, "Installing"):
#   P/bin/lkmemu
#   P/lib/lkmemu/kernel.elf, initramfs.cpio   what the installed lkmemu boots by default (it looks
#                                             in ../lib/lkmemu/ when kernel.elf is not beside it)
#   P/lib/lkmemu/modules/                     the sample modules and their Module.symvers
#   P/lib/lkmemu/sdk/                         the SDK tree (build/sdk): make -C P/lib/lkmemu/sdk M=$PWD
#   P/lib/cmake/LkmemuSDK/                    find_package(LkmemuSDK) with CMAKE_PREFIX_PATH=P

set(LKMEMU_INSTALL_DATA_DIR lib/lkmemu)
install(TARGETS lkmemu RUNTIME DESTINATION bin)
install(FILES $<TARGET_FILE:kernel> ${CMAKE_BINARY_DIR}/initramfs.cpio DESTINATION ${LKMEMU_INSTALL_DATA_DIR})
install(DIRECTORY ${LKMEMU_MODULES_DIR}/ DESTINATION ${LKMEMU_INSTALL_DATA_DIR}/modules
        FILES_MATCHING PATTERN "*.ko")
install(FILES ${CMAKE_BINARY_DIR}/guest-modules/Module.symvers DESTINATION ${LKMEMU_INSTALL_DATA_DIR}/modules)
install(DIRECTORY ${LKMEMU_SDK_TREE}/ DESTINATION ${LKMEMU_INSTALL_DATA_DIR}/sdk USE_SOURCE_PERMISSIONS)

# The package's usual place forwards to the SDK tree, whose config finds its folder from its own.
set(forward_dir ${CMAKE_BINARY_DIR}/cmake-install)
foreach(file LkmemuSDKConfig LkmemuSDKConfigVersion)
  file(WRITE ${forward_dir}/${file}.cmake
       "# Installed by lkmemu (cmake/Install.cmake): the SDK tree's own ${file}.cmake.\n"
       "include(\"\${CMAKE_CURRENT_LIST_DIR}/../../lkmemu/sdk/cmake/${file}.cmake\")\n")
endforeach()
install(FILES ${forward_dir}/LkmemuSDKConfig.cmake ${forward_dir}/LkmemuSDKConfigVersion.cmake
        DESTINATION lib/cmake/LkmemuSDK)
