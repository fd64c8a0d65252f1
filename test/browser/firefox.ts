/** Where the Debian package puts Firefox ESR (driven over WebDriver BiDi by puppeteer-core). */
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';

/**
 * Preferences for headless Firefox with fake media, on loopback only (DESIGN.md §5), the
 * counterpart of CHROMIUM_FLAGS: fake camera ("Default Video Device") and microphone ("Default
 * Audio Device"), granted without a prompt; loopback host candidates, not hidden behind mDNS names;
 * and media allowed to play without a gesture, as `--autoplay-policy=no-user-gesture-required` does.
 */
export const FIREFOX_PREFS: Record<string, unknown> = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
};
