# aarch64 Linux (NEON), cross-compiled with Debian's g++-aarch64-linux-gnu; tests run
# under qemu-aarch64 with a Cortex-A72 CPU so Highway and xsimd see NEON, not SVE.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-cpu;cortex-a72;-L;/usr/aarch64-linux-gnu")
# Libraries come from Debian's arm64 multiarch packages under /usr/lib/aarch64-linux-gnu;
# their headers are reached through symlinks (cmake/ThirdParty.cmake), never through
# /usr/include, which holds the host's glibc headers.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
