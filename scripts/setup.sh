#!/usr/bin/env bash
# Installs what genpack-tui needs on a fresh Debian machine (run as root), idempotently:
# the host tools the build uses, then a virtualenv in .venv with the package and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# gpgv checks the mirror's signatures; gpg and gpg-agent sign the test bed's mirror
apt_packages=(python3-venv systemd-container squashfs-tools e2fsprogs mtools rsync debootstrap zstd xz-utils tar tmux
              librsvg2-bin gpgv gpg gpg-agent
              zsh fish  # the completion tests load the scripts into real shells
              iproute2 distcc  # the two-machine tests: network namespaces, distccd on machine A
              g++ libmount-dev libblkid-dev)  # the build differential compiles the reference genpack-helper
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: the Debian packages ${missing[*]} are missing; installing them (apt-get) needs root:" >&2
    echo "setup: run this script with sudo, or install them yourself, then run it again" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# a .venv left half-made by an interrupted run (no python, or no pip in it) is made again
if [ -d .venv ] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  echo "setup: .venv is incomplete (an interrupted set-up?); making it again"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
# under sudo, the checkout's .venv stays the invoking user's
if [ "$(id -u)" -eq 0 ] && [ -n "${SUDO_UID:-}" ] && [ -n "${SUDO_GID:-}" ]; then
  chown -R "$SUDO_UID:$SUDO_GID" .venv
fi
