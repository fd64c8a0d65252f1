#!/usr/bin/env bash
# Runs a command inside a fresh network namespace that has only a loopback interface, so every
# packet the tests send (signaling, ICE, media) stays on 127.0.0.1 of a network the test made.
# Chromium gathers loopback candidates there with --allow-loopback-in-peer-connection, Firefox with
# the media.peerconnection.ice.loopback pref (test/browser/firefox.ts). The default route goes to
# loopback too (source 127.0.0.1): a page that has not captured a camera gets only the candidates
# of the default route in Firefox, and with no default route it gathers none. Packets to any other
# address go nowhere: the namespace has no other interface.
# Without root (or without `ip netns`) the command runs as it is, with a warning.
set -euo pipefail

if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null 2>&1; then
  echo "in-netns: not root or no iproute2; running on the host network (traffic stays on this machine)." >&2
  exec "$@"
fi

ns="rtc-call-test-$$"
ip netns add "$ns"
trap 'ip netns delete "$ns" 2>/dev/null || true' EXIT
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" ip route add default dev lo src 127.0.0.1
set +e
ip netns exec "$ns" "$@"
status=$?
exit $status
