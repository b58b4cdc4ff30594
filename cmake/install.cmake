# What `make install` / `cmake --install` puts where (PREFIX = CMAKE_INSTALL_PREFIX, default
# /usr/local; DESTDIR staging as usual):
#
#   PREFIX/bin/                          callsift, callsift-fetcher, -extractor, -matcher, -writer
#   PREFIX/share/callsift/migrations/    schema/sql/*.sql (also embedded in the binaries; for
#                                        operators who apply migrations with their own tools)
#   PREFIX/share/callsift/deploy/        docker-compose.yml, .env.example, Dockerfile, run-local.sh
#   PREFIX/share/doc/callsift/           README.md and one plain-text page per executable (its
#                                        --help; the CLI's page has every command's too)
#
# Destinations are relative, so `cmake --install build --prefix DIR` moves all of it.
include(GNUInstallDirs)

set(CALLSIFT_EXECUTABLES callsift callsift-fetcher callsift-extractor callsift-matcher
    callsift-writer)
install(TARGETS ${CALLSIFT_EXECUTABLES} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(DIRECTORY ${PROJECT_SOURCE_DIR}/schema/sql/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/callsift/migrations
        FILES_MATCHING PATTERN "*.sql")

install(FILES ${PROJECT_SOURCE_DIR}/deploy/docker-compose.yml
              ${PROJECT_SOURCE_DIR}/deploy/.env.example
              ${PROJECT_SOURCE_DIR}/deploy/Dockerfile
        DESTINATION ${CMAKE_INSTALL_DATADIR}/callsift/deploy)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/deploy/run-local.sh
        DESTINATION ${CMAKE_INSTALL_DATADIR}/callsift/deploy)

# The help pages are built with the executables (cmake/help_page.cmake runs each --help).
set(pages "")
foreach(exe IN LISTS CALLSIFT_EXECUTABLES)
  set(page ${PROJECT_BINARY_DIR}/doc/${exe}.txt)
  add_custom_command(
    OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -DEXE=$<TARGET_FILE:${exe}> -DOUT=${page}
            -P ${PROJECT_SOURCE_DIR}/cmake/help_page.cmake
    DEPENDS ${exe} ${PROJECT_SOURCE_DIR}/cmake/help_page.cmake
    COMMENT "Help page of ${exe}")
  list(APPEND pages ${page})
endforeach()
add_custom_target(callsift_help_pages ALL DEPENDS ${pages})
install(FILES ${pages} ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
