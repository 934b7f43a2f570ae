# End-to-end tests of `sframetrace script`, include()d from
# tests/cli/CMakeLists.txt (which sets SFT_BIN, SFT_SRC, SFT_FIXTURES).
# Each is a POSIX shell script that builds its workload from tests/progs/,
# records it with perf and with sframetrace, and compares sframetrace script
# with perf script on the same file; it exits 77 and says why when perf, gcc
# or perf_event_open is missing. Timing-sensitive: RUN_SERIAL.
set(SFT_SCRIPT_TEST_ENV
  "SFT_BIN=${SFT_BIN}"
  "SFT_SRC=${SFT_SRC}"
  "SFT_FIXTURES=${SFT_FIXTURES}")

foreach(t script-perf-agree)
  add_test(NAME ${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(${t} PROPERTIES
    ENVIRONMENT "${SFT_SCRIPT_TEST_ENV}"
    SKIP_RETURN_CODE 77
    RUN_SERIAL TRUE
    LABELS "cli;report"
    TIMEOUT 180)
endforeach()
