# peakscope_embed(OUT_VAR NAMESPACE ns FILES a.comp b.frag ...)
# Turns each file into a C++ source defining `extern const char ns::<name>[]` (the name is
# the file name with non-identifier characters replaced by '_'), regenerated when the file
# changes (add_custom_command + DEPENDS). Appends the generated sources to OUT_VAR.
set(PEAKSCOPE_EMBED_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_file.cmake)
function(peakscope_embed out_var)
  cmake_parse_arguments(E "" "NAMESPACE" "FILES" ${ARGN})
  set(generated)
  foreach(f IN LISTS E_FILES)
    get_filename_component(abs ${f} ABSOLUTE)
    get_filename_component(name ${f} NAME)
    string(MAKE_C_IDENTIFIER ${name} ident)
    set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded/${ident}.cpp)
    add_custom_command(
      OUTPUT ${out}
      COMMAND ${CMAKE_COMMAND} -DIN=${abs} -DOUT=${out} -DNAME=${ident} -DNS=${E_NAMESPACE}
              -P ${PEAKSCOPE_EMBED_SCRIPT}
      DEPENDS ${abs} ${PEAKSCOPE_EMBED_SCRIPT}
      COMMENT "Embedding ${name}"
      VERBATIM)
    list(APPEND generated ${out})
  endforeach()
  set(${out_var} ${${out_var}} ${generated} PARENT_SCOPE)
endfunction()
