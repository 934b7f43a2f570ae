# lib/session tests, include()d from tests/unit/CMakeLists.txt: perf.data
# files written with the data_writer, read back through a session (order,
# threads and maps, frames, stats), and session_parse_sample on hand-built
# samples cut short byte by byte.
add_executable(test_session ${CMAKE_CURRENT_LIST_DIR}/test_session.c)
target_link_libraries(test_session PRIVATE sframetrace_core PkgConfig::CMOCKA)
add_test(NAME unit.session COMMAND test_session)
set_tests_properties(unit.session PROPERTIES LABELS unit TIMEOUT 120)
