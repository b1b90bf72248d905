# Cortex-M55 (FPU + Helium/MVE) on QEMU's mps3-an547 board.
set(OLSF_MCU_FLAGS "-mcpu=cortex-m55 -mfloat-abi=hard")
set(OLSF_BOARD mps3-an547)
set(OLSF_QEMU_MACHINE mps3-an547)
include(${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake)
