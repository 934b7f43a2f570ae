# lib/hist tests, include()d from tests/unit/CMakeLists.txt: entries,
# periods, perf report's order, call-graph trees and filters, from
# hand-made frames.
add_executable(test_hist ${CMAKE_CURRENT_LIST_DIR}/test_hist.c)
target_link_libraries(test_hist PRIVATE sframetrace_core PkgConfig::CMOCKA)
add_test(NAME unit.hist COMMAND test_hist)
set_tests_properties(unit.hist PROPERTIES LABELS unit TIMEOUT 120)
