# check_size.cmake: prints what a firmware image occupies and fails if its
# code does not fit the board's flash. Run after each link:
#
#   cmake -DSIZE=arm-none-eabi-size -DELF=image.elf -DFLASH_BYTES=n
#         -DRAM_BYTES=n -P check_size.cmake
#
# Flash: .text (vectors, code, constants), .ARM.exidx and .data's initial
# values. Static RAM: the stacks, .data and .bss. The model buffer and the
# arena take the rest of the RAM (or their own memory) and are shown apart.
# On failure the image is deleted, so that the next build links it again
# and fails again instead of finding it up to date.
foreach(v SIZE ELF FLASH_BYTES RAM_BYTES)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "check_size.cmake: ${v} not set")
  endif()
endforeach()

execute_process(COMMAND ${SIZE} -A -d ${ELF} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "check_size.cmake: ${SIZE} failed on ${ELF}")
endif()

set(flash 0)
set(ram 0)
set(model 0)
set(arena 0)
string(REPLACE "\n" ";" lines "${out}")
foreach(line ${lines})
  if(line MATCHES "^([.A-Za-z_0-9]+)[ \t]+([0-9]+)[ \t]+([0-9]+)")
    set(name ${CMAKE_MATCH_1})
    set(bytes ${CMAKE_MATCH_2})
    if(name STREQUAL ".text" OR name STREQUAL ".ARM.exidx")
      math(EXPR flash "${flash} + ${bytes}")
    elseif(name STREQUAL ".data")
      math(EXPR flash "${flash} + ${bytes}")
      math(EXPR ram "${ram} + ${bytes}")
    elseif(name STREQUAL ".stack" OR name STREQUAL ".handler_stack" OR name STREQUAL ".bss")
      math(EXPR ram "${ram} + ${bytes}")
    elseif(name STREQUAL ".hb_model")
      set(model ${bytes})
    elseif(name STREQUAL ".hb_arena")
      set(arena ${bytes})
    endif()
  endif()
endforeach()

get_filename_component(image ${ELF} NAME)
math(EXPR flash_pct "${flash} * 100 / ${FLASH_BYTES}")
math(EXPR flash_kib "(${flash} + 1023) / 1024")
math(EXPR flash_max_kib "${FLASH_BYTES} / 1024")
math(EXPR ram_kib "(${ram} + 1023) / 1024")
math(EXPR ram_max_kib "${RAM_BYTES} / 1024")
math(EXPR model_kib "${model} / 1024")
math(EXPR arena_kib "${arena} / 1024")
message(STATUS "${image}: flash ${flash} bytes (${flash_kib} of ${flash_max_kib} KiB, "
               "${flash_pct}%); static RAM ${ram_kib} of ${ram_max_kib} KiB; "
               "model buffer ${model_kib} KiB, arena ${arena_kib} KiB")
if(flash GREATER FLASH_BYTES)
  file(REMOVE ${ELF})
  message(FATAL_ERROR "${image}: ${flash} bytes of code and constants do not fit the "
                      "board's ${FLASH_BYTES} bytes of flash")
endif()
if(flash EQUAL 0)
  file(REMOVE ${ELF})
  message(FATAL_ERROR "${image}: no .text section found in the output of ${SIZE} -A")
endif()
