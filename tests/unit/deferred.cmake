# Deferred user callchains in lib/session, include()d from
# tests/unit/CMakeLists.txt: perf.data streams laid out as a kernel with
# PERF_RECORD_CALLCHAIN_DEFERRED writes them, read through a session
# (stitching by thread and cookie, held samples, flushes, statistics).
add_executable(test_deferred ${CMAKE_CURRENT_LIST_DIR}/test_deferred.c)
target_link_libraries(test_deferred PRIVATE sframetrace_core PkgConfig::CMOCKA ${CMAKE_DL_LIBS})
add_test(NAME unit.deferred COMMAND test_deferred)
set_tests_properties(unit.deferred PROPERTIES LABELS unit TIMEOUT 120)

# Writes such a file for the end-to-end test tests/cli/deferred-script.sh
# (registered by tests/cli/deferred.cmake).
add_executable(deferred-gen ${CMAKE_CURRENT_LIST_DIR}/deferred-gen.c)
target_link_libraries(deferred-gen PRIVATE sframetrace_core)
