# lib/symbol tests, include()d from tests/unit/CMakeLists.txt.
# The fixture is compiled here with fixed flags (not the project's, so a
# sanitizer build does not change its code) as a PIE, a non-PIE executable
# and stripped copies whose symbols live in separate debug files.
find_program(SYMBOL_OBJCOPY NAMES objcopy llvm-objcopy REQUIRED)
set(SYMFX_SRC ${CMAKE_CURRENT_LIST_DIR}/../fixtures/symbol/symbol_fixture.c)
set(SYMFX_DIR ${CMAKE_CURRENT_BINARY_DIR}/symbol_fixtures)
file(MAKE_DIRECTORY ${SYMFX_DIR})
set(SYMFX_CC ${CMAKE_C_COMPILER} -O2 -g -fno-omit-frame-pointer)
add_custom_command(
  OUTPUT ${SYMFX_DIR}/fx_pie ${SYMFX_DIR}/fx_exec ${SYMFX_DIR}/fx_nobid
         ${SYMFX_DIR}/fx_pie.debug ${SYMFX_DIR}/fx_pie.stripped
         ${SYMFX_DIR}/fx_nobid.debug ${SYMFX_DIR}/fx_nobid.stripped
  COMMAND ${SYMFX_CC} -fPIE -pie -Wl,--build-id -o ${SYMFX_DIR}/fx_pie ${SYMFX_SRC}
  COMMAND ${SYMFX_CC} -fno-pie -no-pie -Wl,--build-id -o ${SYMFX_DIR}/fx_exec ${SYMFX_SRC}
  # Without a build id the debug file can only be found by .gnu_debuglink.
  COMMAND ${SYMFX_CC} -fPIE -pie -Wl,--build-id=none -o ${SYMFX_DIR}/fx_nobid ${SYMFX_SRC}
  COMMAND ${SYMBOL_OBJCOPY} --only-keep-debug ${SYMFX_DIR}/fx_pie ${SYMFX_DIR}/fx_pie.debug
  COMMAND ${SYMBOL_OBJCOPY} --strip-all ${SYMFX_DIR}/fx_pie ${SYMFX_DIR}/fx_pie.stripped
  COMMAND ${SYMBOL_OBJCOPY} --only-keep-debug ${SYMFX_DIR}/fx_nobid ${SYMFX_DIR}/fx_nobid.debug
  COMMAND ${SYMBOL_OBJCOPY} --strip-all ${SYMFX_DIR}/fx_nobid ${SYMFX_DIR}/fx_nobid.stripped
  COMMAND ${SYMBOL_OBJCOPY} --add-gnu-debuglink=fx_nobid.debug fx_nobid.stripped
  WORKING_DIRECTORY ${SYMFX_DIR}
  DEPENDS ${SYMFX_SRC}
  VERBATIM)
add_custom_target(symbol_fixtures DEPENDS ${SYMFX_DIR}/fx_pie ${SYMFX_DIR}/fx_nobid.stripped)

add_executable(test_symbol ${CMAKE_CURRENT_LIST_DIR}/test_symbol.c)
target_compile_definitions(test_symbol PRIVATE SYMFX_DIR="${SYMFX_DIR}")
target_link_libraries(test_symbol PRIVATE sframetrace_core PkgConfig::CMOCKA ${CMAKE_DL_LIBS})
add_dependencies(test_symbol symbol_fixtures)
add_test(NAME unit.symbol COMMAND test_symbol)
set_tests_properties(unit.symbol PROPERTIES LABELS unit TIMEOUT 120)
