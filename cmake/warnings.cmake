# SPDX-License-Identifier: MIT
function(mlp_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                           -Wno-sign-conversion -Wnon-virtual-dtor)
  if(MLP_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(MLP_NATIVE)
    target_compile_options(${target} PRIVATE -march=native)
  endif()
endfunction()
