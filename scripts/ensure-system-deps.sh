#!/usr/bin/env bash
# Makes sure the Debian packages the tests need are installed: installs the missing ones with
# apt-get when running as root, otherwise stops and names them.
set -euo pipefail

# command → Debian package
declare -A needed=(
  [chromium]=chromium
  [firefox-esr]=firefox-esr
  [turnserver]=coturn
  [openssl]=openssl
  [redis-server]=redis-server
  [nginx]=nginx
  [ip]=iproute2
)

missing=()
for command in "${!needed[@]}"; do
  # nginx lives in /usr/sbin, which a non-login PATH may lack.
  command -v "$command" >/dev/null 2>&1 || [ -x "/usr/sbin/$command" ] || missing+=("${needed[$command]}")
done
# `ensure-system-deps.sh screenshots`: Chinese screenshots need CJK fonts, chat messages an emoji font.
if [ "${1:-}" = screenshots ]; then
  [ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
  [ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || missing+=(fonts-noto-color-emoji)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "rtc-call tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them (as root: apt-get install -y ${missing[*]}) and run npm test again." >&2
  exit 1
fi

echo "Installing test dependencies: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# Debian's coturn, redis-server and nginx packages may start system services (ports 3478, 6379,
# 80); the tests never use them (each starts its own on a free port of 127.0.0.1), so whether they
# run or not changes nothing.
apt-get install -y -q --no-install-recommends "${missing[@]}"
