# Packaging: where `cmake --install` puts bpfdeck's files (Debian's layout
# under the prefix) and how CPack builds the .deb:
#   cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo && cmake --build build -j2
#   cpack --config build/CPackConfig.cmake -B build/package      # -> bpfdeck_VER_ARCH.deb
# The binary itself is installed by src/CMakeLists.txt and the workbench's
# sessions by ui/CMakeLists.txt; this file adds share/tools, the man page
# bpfdeck(8), the bash completion and the Debian doc files.
include(GNUInstallDirs)

# runtime/tools.c looks next to the binary first (BIN/../share/bpfdeck/tools,
# or the source tree's share/tools from a build directory); these are its
# last resorts.
target_compile_definitions(bpfdeck_runtime PRIVATE
  BPFDECK_TOOLS_DATADIR="${CMAKE_INSTALL_FULL_DATADIR}/bpfdeck/tools"
  BPFDECK_TOOLS_SRCDIR="${PROJECT_SOURCE_DIR}/share/tools")

install(DIRECTORY ${PROJECT_SOURCE_DIR}/share/tools/
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bpfdeck/tools
  FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
  FILES_MATCHING PATTERN "*.bt")

# Debian ships man pages gzipped (-n: no name or time stamp, reproducible).
find_program(BPFDECK_GZIP gzip REQUIRED)
set(_man_gz ${CMAKE_BINARY_DIR}/share/man/bpfdeck.8.gz)
add_custom_command(OUTPUT ${_man_gz}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/share/man
  COMMAND ${BPFDECK_GZIP} -9n -c ${PROJECT_SOURCE_DIR}/share/man/bpfdeck.8 > ${_man_gz}
  DEPENDS ${PROJECT_SOURCE_DIR}/share/man/bpfdeck.8
  COMMENT "Compressing the man page bpfdeck(8)")
add_custom_target(manpage ALL DEPENDS ${_man_gz})
install(FILES ${_man_gz} DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)

install(FILES ${PROJECT_SOURCE_DIR}/share/completion/bpfdeck
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/share/copyright
  DESTINATION ${CMAKE_INSTALL_DOCDIR})

# ------------------------------------------------------------------- CPack
set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "bpfdeck")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "bpfdeck")
set(CPACK_PACKAGE_CONTACT "bpfdeck developers <bpfdeck@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "tracing workbench for Linux: bpftrace language, live clauses")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "bpfdeck runs bpftrace 0.17 programs (compiled to eBPF through LLVM and loaded\n"
  "with libbpf) and has an ncurses workbench where probe clauses are added,\n"
  "edited and removed while the others keep running. It ships the classic\n"
  "tracing tools (execsnoop, opensnoop, biolatency, tcplife, ...) written in\n"
  "its language: bpfdeck -l tools lists them, bpfdeck tool NAME runs one.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "utils")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# dpkg-shlibdeps turns the binary's libraries (libbpf, LLVM, ncurses, libedit,
# libelf, zlib) into Depends:.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "bash-completion")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bpftrace, systemtap-sdt-dev")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/package")
include(CPack)
