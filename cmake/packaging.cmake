# The Debian package (docs/packaging.md): `cpack -G DEB` in a build directory writes
# larder_<version>_<arch>.deb with larderd and larderctl in /usr/bin, the systemd unit and
# the package's drop-in in /lib/systemd/system, /etc/larder/larder.yaml (a conffile), the
# dashboard in /usr/share/larder/web, the message catalogs in /usr/share/larder/locales and
# the maintainer scripts of packaging/debian/.
# Its Depends come from dpkg-shlibdeps; cross builds (cmake/toolchains/) get the target's
# architecture. Included from CMakeLists.txt before GNUInstallDirs: the layout depends on
# the install prefix, which this file defaults to /usr.

# The unit starts /usr/bin/larderd --config /etc/larder/larder.yaml, and larderd looks for
# the dashboard in <prefix>/share/larder/web (compiled in, see CMakeLists.txt): a package
# is only right with the prefix /usr, so that is the default here. A build directory
# configured before this file existed holds CMake's old default /usr/local: it moves to /usr
# once. A prefix given on the command line (-DCMAKE_INSTALL_PREFIX=...) is kept; cpack
# then refuses to build a package (see larder-cpack-options.cmake below).
if(CMAKE_INSTALL_PREFIX_INITIALIZED_TO_DEFAULT)
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix (packages need /usr)" FORCE)
elseif(NOT DEFINED CACHE{LARDER_PREFIX_CHECKED} AND CMAKE_INSTALL_PREFIX STREQUAL "/usr/local"
       AND EXISTS ${CMAKE_BINARY_DIR}/CMakeCache.txt)
  message(STATUS "Install prefix: /usr instead of the old default /usr/local (docs/packaging.md)")
  set(CMAKE_INSTALL_PREFIX /usr CACHE PATH "Install prefix (packages need /usr)" FORCE)
endif()
set(LARDER_PREFIX_CHECKED ON CACHE INTERNAL "The install prefix was defaulted once")
include(GNUInstallDirs)

# Debian 12 packages install units in /lib/systemd/system (debhelper's place in bookworm).
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(LARDER_SYSTEMD_UNIT_DIR_DEFAULT /lib/systemd/system)
else()
  set(LARDER_SYSTEMD_UNIT_DIR_DEFAULT ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(LARDER_SYSTEMD_UNIT_DIR ${LARDER_SYSTEMD_UNIT_DIR_DEFAULT} CACHE PATH
  "Where larderd.service is installed")
# The drop-in that runs the unit as the package's system user (packaging/debian/larder-user.conf).
install(FILES ${PROJECT_SOURCE_DIR}/packaging/debian/larder-user.conf
  DESTINATION ${LARDER_SYSTEMD_UNIT_DIR}/larderd.service.d)

# The package's architecture: the host's, or the cross toolchain's (its multiarch triplet).
if(CMAKE_CROSSCOMPILING)
  execute_process(COMMAND dpkg-architecture -t ${CMAKE_LIBRARY_ARCHITECTURE} -qDEB_HOST_ARCH
    OUTPUT_VARIABLE LARDER_DEB_ARCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
else()
  execute_process(COMMAND dpkg --print-architecture
    OUTPUT_VARIABLE LARDER_DEB_ARCH OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()

# conffiles: dpkg keeps the admin's edits across upgrades and asks when both sides changed.
set(LARDER_DEB_CONTROL_DIR ${CMAKE_BINARY_DIR}/packaging/debian)
file(WRITE ${LARDER_DEB_CONTROL_DIR}/conffiles "${CMAKE_INSTALL_FULL_SYSCONFDIR}/larder/larder.yaml\n")

# Read by cpack while it builds the package (CPACK_PROJECT_CONFIG_FILE).
file(WRITE ${LARDER_DEB_CONTROL_DIR}/larder-cpack-options.cmake "\
if(CPACK_GENERATOR STREQUAL \"DEB\")
  if(NOT \"${CMAKE_INSTALL_PREFIX}\" STREQUAL \"/usr\")
    message(FATAL_ERROR \"larder: this build directory has CMAKE_INSTALL_PREFIX=${CMAKE_INSTALL_PREFIX}; \"
      \"the package needs /usr (the unit runs /usr/bin/larderd): \"
      \"cmake -DCMAKE_INSTALL_PREFIX=/usr ${CMAKE_BINARY_DIR}\")
  endif()
  # Without dpkg-shlibdeps CPack only warns and the package names none of the libraries
  # larderd needs: it would install on a Pi and not start.
  find_program(LARDER_DPKG_SHLIBDEPS dpkg-shlibdeps)
  if(NOT LARDER_DPKG_SHLIBDEPS)
    message(FATAL_ERROR \"larder: dpkg-shlibdeps is missing, so the package's Depends would lack \"
      \"its shared libraries: apt-get install dpkg-dev\")
  endif()
  if(\"${CMAKE_CROSSCOMPILING}\")
    # dpkg-shlibdeps looks up the target's libraries (/usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}).
    set(ENV{DEB_HOST_ARCH} \"${LARDER_DEB_ARCH}\")
  endif()
endif()
")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME larder)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "Larder maintainers <larder@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "home replenishment hub: learns consumption, reorders in time")
set(CPACK_PACKAGE_DESCRIPTION "larderd links dash buttons, voice assistants, consumable sensors
and the family car's tracker over MQTT, learns how fast each consumable is used
and reorders in time. larderctl is its command line; larderd serves the web
dashboard. Edit /etc/larder/larder.yaml, then: systemctl start larderd.")
set(CPACK_PROJECT_CONFIG_FILE ${LARDER_DEB_CONTROL_DIR}/larder-cpack-options.cmake)
# Absolute destinations (/etc/larder, /lib/systemd/system) go into the package as they are.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${LARDER_DEB_ARCH})
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Added to what dpkg-shlibdeps finds: postinst creates the system user with adduser; the
# unit's ExecReload (systemctl reload) sends SIGHUP with procps' /bin/kill; household.timezone
# is read from tzdata's /usr/share/zoneinfo (not Essential: minimal images lack it).
# Recommended: the broker, and the system's trust store for HTTPS to a retailer, ntfy and
# Alexa's certificate check, and MQTT over TLS without its own `tls.ca`.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, procps, tzdata")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "mosquitto, ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${LARDER_DEB_CONTROL_DIR}/conffiles
  ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
  ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
  ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
# Maintainer scripts 0755, conffiles 0644, whatever the source files' modes.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
