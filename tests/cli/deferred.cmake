# End-to-end test of deferred user callchains in `sframetrace script` and
# `report`, include()d from tests/cli/CMakeLists.txt (which sets SFT_BIN,
# SFT_SRC, SFT_FIXTURES). The file comes from tests/unit/deferred-gen.c
# (built by tests/unit/deferred.cmake): no kernel with deferred callchains
# is needed. The last part checks that perf 6.1, which does not know record
# type 22, does not crash on the file; the test exits 77 and says why when
# perf is missing.
set(SFT_DEFERRED_TEST_ENV
  "SFT_BIN=${SFT_BIN}"
  "SFT_SRC=${SFT_SRC}"
  "SFT_FIXTURES=${SFT_FIXTURES}"
  "SFT_DEFERRED_GEN=$<TARGET_FILE:deferred-gen>")

foreach(t deferred-script)
  add_test(NAME ${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(${t} PROPERTIES
    ENVIRONMENT "${SFT_DEFERRED_TEST_ENV}"
    SKIP_RETURN_CODE 77
    LABELS "cli;report"
    TIMEOUT 120)
endforeach()
