#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real: TFTP clients,
# dnsmasq (reference TFTP server for benchmarks), QEMU with the iPXE ROMs, the
# tools the discovery-image builder uses, Chromium for the dashboard tests
# (driven by playwright-core; Playwright never downloads a browser here),
# systemd-analyze (the service unit), bash and zsh (shell completion),
# setpriv (util-linux), the power stand-ins: snmpd/snmp (a PoE switch),
# python3-pyghmi + ipmitool (a BMC), dropbear-bin and openssh-client (the
# rescue SSH server's key tool and a client to log in), btrfs and NFS-Ganesha
# for per-node roots, mtools/e2fsprogs/fdisk/dosfstools for images import,
# and PostgreSQL for the shared store's tests. Idempotent; needs root.
set -euo pipefail
pkgs=(iproute2 kmod cpio curl atftp tftp-hpa busybox-static dnsmasq-base
      qemu-system-x86 ipxe-qemu qemu-system-arm qemu-efi-aarch64 ipxe
      ca-certificates xz-utils zstd chromium systemd bash zsh util-linux
      snmpd snmp python3-pyghmi ipmitool dropbear-bin openssh-client
      btrfs-progs nfs-ganesha nfs-ganesha-vfs mtools dosfstools e2fsprogs fdisk
      postgresql)
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
