# End-to-end tests of the LD_AUDIT library (lib/audit, libsframetrace-audit.so)
# and `record --register-sframe`, include()d from tests/cli/CMakeLists.txt.
# Each is a POSIX shell script that builds its programs from tests/progs/
# with the system gcc; it exits 77 and says why when gcc, --gsframe,
# perf_event_open or (for audit-register) the sframe_register syscall is
# missing.
set(SFT_AUDIT_TEST_ENV
  "SFT_BIN=${SFT_BIN}"
  "SFT_SRC=${SFT_SRC}")

foreach(t audit-log audit-transparent audit-register)
  add_test(NAME ${t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/${t}.sh)
  set_tests_properties(${t} PROPERTIES
    ENVIRONMENT "${SFT_AUDIT_TEST_ENV}"
    SKIP_RETURN_CODE 77
    LABELS "cli;audit"
    TIMEOUT 180)
endforeach()
