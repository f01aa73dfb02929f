# Cross toolchain: 64-bit Raspberry Pi OS (Debian 12 "bookworm", arm64) from a Debian 12 PC
# (docs/packaging.md, scripts/cross-build). Debian's cross compiler g++-aarch64-linux-gnu
# and the arm64 -dev packages installed beside the host's through multiarch
# (`dpkg --add-architecture arm64`, `apt-get install libfoo-dev:arm64`): their headers are
# in /usr/include, their libraries and CMake package files in /usr/lib/aarch64-linux-gnu.
#
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
#
# find_package/find_library/find_path look only in the arm64 places: the multiarch
# directory of this triplet, arch-independent files (/usr/include, /usr/share), and the
# overlay of arm64 -dev packages that cannot be installed beside the host's (see
# LARDER_CROSS_OVERLAY); never /usr/lib/x86_64-linux-gnu.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(LARDER_CROSS_TRIPLET aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${LARDER_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${LARDER_CROSS_TRIPLET}-g++)
# The multiarch directory CMake searches below each prefix (lib/aarch64-linux-gnu).
set(CMAKE_LIBRARY_ARCHITECTURE ${LARDER_CROSS_TRIPLET})

# Multiarch: the target's files live in the host's own tree, so the search root is "/".
# An -dev package whose Debian version is not "Multi-Arch: same" (yaml-cpp's in bookworm)
# cannot be installed as :arm64 beside the host's without removing the host's copy;
# scripts/cross-build unpacks such packages into this overlay instead.
if(DEFINED ENV{LARDER_CROSS_OVERLAY})
  set(LARDER_CROSS_OVERLAY $ENV{LARDER_CROSS_OVERLAY})
else()
  set(LARDER_CROSS_OVERLAY /opt/larder-cross/arm64)
endif()
set(CMAKE_FIND_ROOT_PATH ${LARDER_CROSS_OVERLAY} /)
# Programs (pkg-config, strip) are the host's; everything else only below the roots above.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# The host's /usr/lib/x86_64-linux-gnu must never be searched, not even as a hint that a
# Find module got from the host's pkg-config: pkg-config reads only the target's .pc files.
set(CMAKE_IGNORE_PREFIX_PATH /usr/lib/x86_64-linux-gnu)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/cmake
  /usr/include/x86_64-linux-gnu)
set(ENV{PKG_CONFIG_LIBDIR}
  "${LARDER_CROSS_OVERLAY}/usr/lib/${LARDER_CROSS_TRIPLET}/pkgconfig:/usr/lib/${LARDER_CROSS_TRIPLET}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
