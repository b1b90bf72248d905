# Cortex-M4F (single-precision FPU) on QEMU's mps2-an386 board.
set(OLSF_MCU_FLAGS "-mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
set(OLSF_BOARD mps2-an386)
set(OLSF_QEMU_MACHINE mps2-an386)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
