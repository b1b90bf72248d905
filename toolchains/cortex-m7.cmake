# Cortex-M7 (double-precision FPU) on QEMU's mps2-an500 board.
set(OLSF_MCU_FLAGS "-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard")
set(OLSF_BOARD mps2-an500)
set(OLSF_QEMU_MACHINE mps2-an500)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
