# End-to-end tests of `sframetrace record`, include()d from
# tests/cli/CMakeLists.txt (which sets SFT_BIN, SFT_SRC, SFT_FIXTURES).
# Each is a POSIX shell script that builds its workload from tests/progs/
# with the system gcc, records it, and checks the file with Linux perf;
# it exits 77 and says why when perf, gcc or perf_event_open is missing.
# They are timing-sensitive (they sample CPU-bound programs for a second or
# two), so they run one at a time: RUN_SERIAL.
set(SFT_RECORD_TEST_ENV
  "SFT_BIN=${SFT_BIN}"
  "SFT_SRC=${SFT_SRC}"
  "SFT_FIXTURES=${SFT_FIXTURES}")

foreach(t record-perf-modes record-auto-fallback record-exit-codes
          record-interrupt record-attach record-lost record-tracepoint)
  add_test(NAME ${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(${t} PROPERTIES
    ENVIRONMENT "${SFT_RECORD_TEST_ENV}"
    SKIP_RETURN_CODE 77
    RUN_SERIAL TRUE
    LABELS "cli;record"
    TIMEOUT 180)
endforeach()
