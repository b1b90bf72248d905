# Bare-metal Arm Cortex-M with Debian's arm-none-eabi-gcc and newlib-nano. Included by
# the per-core files, which set OLSF_MCU_FLAGS, OLSF_BOARD and OLSF_QEMU_MACHINE first.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# -mfp16-format=ieee: Highway declares float16_t as __fp16, which GCC for Arm only knows
# with an fp16 format chosen (the M7 build fails without it).
set(OLSF_MCU_COMMON_FLAGS "-mthumb -mfp16-format=ieee -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-use-cxa-atexit -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${OLSF_MCU_FLAGS} -mthumb -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT "${OLSF_MCU_FLAGS} ${OLSF_MCU_COMMON_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${OLSF_MCU_FLAGS} -mthumb")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostartfiles --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections")

set(OLSF_QEMU_SYSTEM_ARM qemu-system-arm CACHE STRING "qemu-system-arm executable")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
