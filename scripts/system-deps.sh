#!/usr/bin/env bash
# Install the system packages the tests need (Debian): Chromium for browser tests, PostgreSQL and
# Redis for the scale-out suite, zbar to decode printed QR codes, poppler to render PDFs.
set -euo pipefail
packages=(chromium redis-server postgresql zbar-tools poppler-utils fonts-dejavu-core fonts-noto-color-emoji)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "The tests need these system packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
