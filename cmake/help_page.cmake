# cmake -DEXE=path/to/program -DOUT=page.txt -P help_page.cmake
#
# A plain-text manual page of one executable: what `EXE --help` prints. For the operator CLI
# (a --help that lists "Commands:"), each command's own `EXE COMMAND --help` follows, so the
# page covers every option. Fails when a --help exits non-zero or prints nothing.
cmake_minimum_required(VERSION 3.25)
if(NOT EXE OR NOT OUT)
  message(FATAL_ERROR "help_page.cmake: EXE and OUT must be set")
endif()

# help(ARGS... ): the output of EXE ARGS --help, in HELP_TEXT
function(help)
  # a sanitizer build must not fail its pages on the leak report of a process that exits at once
  set(ENV{ASAN_OPTIONS} "detect_leaks=0")
  execute_process(COMMAND ${EXE} ${ARGN} --help
                  OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR text STREQUAL "")
    message(FATAL_ERROR "help_page.cmake: '${EXE} ${ARGN} --help' failed (${rc}): ${err}")
  endif()
  set(HELP_TEXT "${text}" PARENT_SCOPE)
endfunction()

help()
set(page "${HELP_TEXT}")
string(FIND "${page}" "\nCommands:\n" at)
if(at GREATER -1)
  string(SUBSTRING "${page}" ${at} -1 rest)
  string(REGEX MATCH "\nCommands:\n(  [^\n]*\n)+" listing "${rest}")
  string(REGEX MATCHALL "\n  [a-z][a-z-]*( [a-z][a-z-]*)?  " commands "${listing}")
  foreach(command IN LISTS commands)
    string(STRIP "${command}" command)
    separate_arguments(words UNIX_COMMAND "${command}")
    help(${words})
    get_filename_component(name ${EXE} NAME)
    string(APPEND page "\n\n---- ${name} ${command} ----\n\n${HELP_TEXT}")
  endforeach()
endif()
file(WRITE ${OUT} "${page}")
