# cli.cmake - included by src/cli/CMakeLists.txt for `stratus new` and
# `stratus build` (cmd_new.c, cmd_build.c):
#   - actor_template.c: the project template (sdk/c/template) embedded in
#     the executable, regenerated whenever a template file changes;
#   - actor_sdk_paths.h: where this build tree keeps the C actor SDK
#     (${CMAKE_BINARY_DIR}/sdk, see sdk/c/CMakeLists.txt), its headers, and
#     the clang found at configure time; `stratus build` falls back on them
#     when no installed SDK is found.
file(GLOB actor_template_files CONFIGURE_DEPENDS ${CMAKE_CURRENT_LIST_DIR}/template/*)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/actor_template.c
  COMMAND ${CMAKE_COMMAND} -DTEMPLATE_DIR=${CMAKE_CURRENT_LIST_DIR}/template
          -DOUT=${CMAKE_CURRENT_BINARY_DIR}/actor_template.c
          -P ${CMAKE_CURRENT_LIST_DIR}/embed_template.cmake
  DEPENDS ${actor_template_files} ${CMAKE_CURRENT_LIST_DIR}/embed_template.cmake
  COMMENT "Embedding the actor project template"
  VERBATIM)
find_program(STRATUS_WASM_CLANG NAMES clang clang-14 clang-19)
set(ACTOR_SDK_CLANG "")
if(STRATUS_WASM_CLANG)
  set(ACTOR_SDK_CLANG ${STRATUS_WASM_CLANG})
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/actor_sdk_paths.h.in
  ${CMAKE_CURRENT_BINARY_DIR}/actor_sdk_paths.h @ONLY)
target_sources(stratus PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/actor_template.c)
target_include_directories(stratus PRIVATE ${CMAKE_CURRENT_BINARY_DIR})
