# End-to-end tests of report-time unwinding of user stack copies (record
# --call-graph sframe and dwarf; lib/unwind), include()d from
# tests/cli/CMakeLists.txt (which sets SFT_BIN, SFT_SRC, SFT_FIXTURES).
# Each is a POSIX shell script that builds FP-less workloads from
# tests/progs/uw_*.c with -Wa,--gsframe (or uses the committed SFrame V3
# fixtures), records them with sframetrace or perf, and checks the unwound
# chains against the programs' sources or against perf; it exits 77 and says
# why when perf, gcc with --gsframe or perf_event_open is missing. They
# sample CPU-bound programs, so they run one at a time: RUN_SERIAL.
set(SFT_UNWIND_TEST_ENV
  "SFT_BIN=${SFT_BIN}"
  "SFT_SRC=${SFT_SRC}"
  "SFT_FIXTURES=${SFT_FIXTURES}")

foreach(t unwind-sframe-v1 unwind-sframe-v3 unwind-dwarf-perf unwind-stats)
  add_test(NAME ${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(${t} PROPERTIES
    ENVIRONMENT "${SFT_UNWIND_TEST_ENV}"
    SKIP_RETURN_CODE 77
    RUN_SERIAL TRUE
    LABELS "cli;unwind"
    TIMEOUT 180)
endforeach()
