# End-to-end tests of `sframetrace report` (and of the maps and symbols
# under it), include()d from tests/cli/CMakeLists.txt (which sets SFT_BIN,
# SFT_SRC, SFT_FIXTURES). Each is a POSIX shell script that builds its
# workload from tests/progs/ with the system gcc, records it with perf or
# sframetrace, and compares sframetrace report with perf report on the same
# file; it exits 77 and says why when perf, gcc or perf_event_open is
# missing. They sample CPU-bound programs (some system-wide), so they run
# one at a time: RUN_SERIAL.
set(SFT_REPORT_TEST_ENV
  "SFT_BIN=${SFT_BIN}"
  "SFT_SRC=${SFT_SRC}"
  "SFT_FIXTURES=${SFT_FIXTURES}")

foreach(t report-perf-agree report-own-files report-maps-over-time
          report-symbols report-errors)
  add_test(NAME ${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(${t} PROPERTIES
    ENVIRONMENT "${SFT_REPORT_TEST_ENV}"
    SKIP_RETURN_CODE 77
    RUN_SERIAL TRUE
    LABELS "cli;report"
    TIMEOUT 180)
endforeach()
