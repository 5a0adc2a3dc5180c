# Install layout and the Debian package (CPack), included by the top-level CMakeLists.txt.
#   cmake --build build/dev --target package     → build/dev/secu_<version>_<arch>.deb
# Binaries come from their targets' install() rules (bin/secuctl, sbin/secud). Man pages and
# completions are the committed, generated files (packaging/gen-docs.sh; tests/integration/
# test_docs.cpp keeps them equal to the binaries' output). Paths are where Debian's man-db,
# bash-completion, zsh and fish look.
include(GNUInstallDirs)

set(SECU_PKG_DIR ${PROJECT_SOURCE_DIR}/packaging)

install(FILES ${PROJECT_SOURCE_DIR}/man/secuctl.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/secud.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_SOURCE_DIR}/completions/secuctl.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME secuctl)
install(FILES ${PROJECT_SOURCE_DIR}/completions/_secuctl
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${PROJECT_SOURCE_DIR}/completions/secuctl.fish
        DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
# The unit under /usr/lib (merged /usr on Debian 12; systemd reads both /lib and /usr/lib).
install(FILES ${SECU_PKG_DIR}/secud.service DESTINATION lib/systemd/system)
# The default config: a conffile (dpkg keeps an operator's edits on upgrade). /etc whatever
# the prefix: secud.service reads /etc/secu/secud.json, and the package's prefix is /usr.
set(SECU_SYSCONFDIR /etc CACHE PATH "where the default config is installed (secu/secud.json)")
install(FILES ${SECU_PKG_DIR}/secud.json DESTINATION ${SECU_SYSCONFDIR}/secu)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME secu)
set(CPACK_PACKAGE_VENDOR "Secu")
set(CPACK_PACKAGE_CONTACT "Secu maintainers <secu@example.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "identity and governance layer for AI agents (secud daemon, secuctl CLI)")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies from the binaries (dpkg-shlibdeps), plus what the maintainer scripts use.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# The dev preset keeps debug info (RelWithDebInfo); the package ships stripped binaries.
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${SECU_PKG_DIR}/deb/postinst ${SECU_PKG_DIR}/deb/prerm ${SECU_PKG_DIR}/deb/postrm
    ${SECU_PKG_DIR}/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
