#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: TFTP clients,
# dnsmasq (reference TFTP server for benchmarks), QEMU with the iPXE ROMs, and
# the tools the discovery-image builder uses, and PostgreSQL for the shared
# store's tests. Idempotent; needs root.
set -euo pipefail
pkgs=(iproute2 kmod cpio curl atftp tftp-hpa busybox-static dnsmasq-base
      qemu-system-x86 ipxe-qemu qemu-system-arm qemu-efi-aarch64 ipxe
      ca-certificates xz-utils zstd postgresql)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "test dependencies: all ${#pkgs[@]} Debian packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "test dependencies: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
