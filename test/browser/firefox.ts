/** Where the Debian package puts Firefox ESR (driven over WebDriver BiDi by puppeteer-core). */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Preferences for headless Firefox with fake media, on loopback only (DESIGN.md §5), the
 * counterpart of CHROMIUM_FLAGS: fake camera ("Default Video Device") and microphone ("Default
 * Audio Device"), granted without a prompt; loopback host candidates, not hidden behind mDNS names;
 * media allowed to play without a gesture, as `--autoplay-policy=no-user-gesture-required` does;
 * and Firefox's mock audio backend (cubeb), since the machine has no sound card: without it every
 * AudioContext stays `suspended` (the device picker's level meter never moves), and with it
 * Firefox lists two fake speakers ("Fake Audio Output 1 (PREFERRED)", "Fake Audio Output 2") that
 * `setSinkId` accepts, as Chromium's fake outputs. Cameras and microphones stay the fake ones.
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.cubeb.force_mock_context': true,
};
