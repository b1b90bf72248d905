#!/usr/bin/env bash
# Installs everything olsformer needs on Debian 12 (bookworm): host libraries, arm64
# multiarch libraries for the aarch64 cross build, cross compilers, QEMU and ninja.
# Idempotent: packages already installed are skipped, so a second run is quick.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

host_pkgs=(
  build-essential cmake ninja-build pkg-config python3 python3-matplotlib
  libxsimd-dev libhwy-dev libbenchmark-dev libgtest-dev libgmock-dev libeigen3-dev
  liblapacke-dev libopenblas-dev
  g++-aarch64-linux-gnu g++-arm-linux-gnueabihf
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib
  qemu-user qemu-system-arm
  clang libclang-rt-14-dev
)
# arm64 builds of the libraries the aarch64 tests link (same versions as amd64).
arm64_pkgs=(libhwy-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64 libxsimd-dev:arm64)

missing=()
for p in "${host_pkgs[@]}" "${arm64_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "install-deps-debian: all packages present"
  exit 0
fi

echo "install-deps-debian: installing ${missing[*]}"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
