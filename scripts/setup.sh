#!/usr/bin/env bash
# Installs what genpack-tui needs on a fresh Debian machine (run as root), idempotently:
# the host tools the build uses, then a virtualenv in .venv with the package and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

# gpgv checks the mirror's signatures; gpg and gpg-agent sign the test bed's mirror
apt_packages=(systemd-container squashfs-tools e2fsprogs mtools rsync debootstrap zstd xz-utils tar tmux librsvg2-bin
              gpgv gpg gpg-agent
              zsh fish)  # the completion tests load the scripts into real shells
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages ${missing[*]}; run as root (or install them) first" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[test]"
