# End-to-end tests of `sframetrace top` and of the interactive browser
# (report's and top's), include()d from tests/cli/CMakeLists.txt. Each is a
# POSIX shell script that runs tests/progs/top_hot.c (a busy program whose
# hot function is known by construction) and checks what top shows, in
# --stdio tables or on a tmux screen (capture-pane); the browser's call
# graphs are checked against report --stdio. They exit 77 and say why when
# gcc, tmux or perf_event_open is missing. They sample CPU-bound programs,
# so they run one at a time: RUN_SERIAL.
set(SFT_TOP_TEST_ENV
  "SFT_BIN=${SFT_BIN}"
  "SFT_SRC=${SFT_SRC}"
  "SFT_FIXTURES=${SFT_FIXTURES}")

foreach(t top-stdio top-tmux report-browser)
  add_test(NAME ${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(${t} PROPERTIES
    ENVIRONMENT "${SFT_TOP_TEST_ENV}"
    SKIP_RETURN_CODE 77
    RUN_SERIAL TRUE
    LABELS "cli;top"
    TIMEOUT 180)
endforeach()
