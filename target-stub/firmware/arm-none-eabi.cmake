# arm-none-eabi.cmake: CMake toolchain file for bare-metal Arm with the GNU
# Arm Embedded toolchain (Debian: gcc-arm-none-eabi). The CPU and ABI flags
# belong to each firmware (target-stub/firmware/CMakeLists.txt), not here.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

if(NOT CMAKE_C_COMPILER)
  set(CMAKE_C_COMPILER arm-none-eabi-gcc)
endif()

# Compiler checks cannot link a program without our startup code and
# linker script: have them build a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Look for programs on the host, for libraries and headers in the
# toolchain only.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
