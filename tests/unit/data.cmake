# lib/data tests, include()d from tests/unit/CMakeLists.txt:
# the writer's unit tests, and the cross-check that Linux perf reads what
# the writer produces (skips with 77 when perf is missing).
add_executable(test_data_writer ${CMAKE_CURRENT_LIST_DIR}/test_data_writer.c)
target_link_libraries(test_data_writer PRIVATE sframetrace_core PkgConfig::CMOCKA)
add_test(NAME data_writer COMMAND test_data_writer)

# The generator samples its own functions: keep their symbols and build id.
add_executable(data-writer-gen ${CMAKE_CURRENT_LIST_DIR}/data-writer-gen.c)
target_link_libraries(data-writer-gen PRIVATE sframetrace_core)
target_link_options(data-writer-gen PRIVATE -Wl,--build-id)
add_test(NAME data_writer_perf
         COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/../cli/data-writer-perf.sh
                 $<TARGET_FILE:data-writer-gen>)
set_tests_properties(data_writer_perf PROPERTIES SKIP_RETURN_CODE 77)

# The reader: files from the writer, damaged copies, hand-built pipe streams
# fed through real pipes, and real `perf record` output checked against
# `perf report -D` (those two cases skip when perf is missing or cannot record).
add_executable(test_data_reader ${CMAKE_CURRENT_LIST_DIR}/test_data_reader.c)
target_link_libraries(test_data_reader PRIVATE sframetrace_core PkgConfig::CMOCKA)
add_test(NAME unit.data_reader COMMAND test_data_reader)
set_tests_properties(unit.data_reader PROPERTIES LABELS unit TIMEOUT 180)
