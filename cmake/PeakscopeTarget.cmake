# peakscope_settings(target): C++20, warnings (as errors when PEAKSCOPE_WERROR), per target.
function(peakscope_settings target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  set_target_properties(${target} PROPERTIES CXX_EXTENSIONS OFF)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow=local
                                           $<$<BOOL:${PEAKSCOPE_WERROR}>:-Werror>)
  if(PEAKSCOPE_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=${PEAKSCOPE_SANITIZE}
                                            -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PUBLIC -fsanitize=${PEAKSCOPE_SANITIZE})
  endif()
endfunction()
