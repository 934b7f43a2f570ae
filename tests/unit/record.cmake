# `sframetrace record` unit tests, include()d from tests/unit/CMakeLists.txt.
# The attr/flag-word/--call-graph logic lives in cmd/, which is not part of
# sframetrace_core: compile those files into the test itself.
set(SFT_RECORD_CMD_DIR ${CMAKE_CURRENT_LIST_DIR}/../../cmd)
add_executable(test_record_attr
  ${CMAKE_CURRENT_LIST_DIR}/test_record_attr.c
  ${SFT_RECORD_CMD_DIR}/record_events.c
  ${SFT_RECORD_CMD_DIR}/record_track.c
  ${SFT_RECORD_CMD_DIR}/cmd_record.c
  ${SFT_RECORD_CMD_DIR}/record_audit.c
  ${SFT_RECORD_CMD_DIR}/cmd_usage.c)
target_include_directories(test_record_attr PRIVATE ${SFT_RECORD_CMD_DIR})
target_link_libraries(test_record_attr PRIVATE sframetrace_core PkgConfig::CMOCKA)
add_test(NAME unit.record_attr COMMAND test_record_attr)
set_tests_properties(unit.record_attr PROPERTIES LABELS unit TIMEOUT 120)
