/** Where the Debian package puts Chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Shared by both browsers. Fake devices: cameras fake_device_0, _1, _2; microphones "Fake Default
// Audio Input" (id `default`) and "Fake Audio Input 1/2"; speakers likewise "… Audio Output …".
// fake_device_1 is a grayscale Y16 (depth) camera that WebRTC never encodes, so tests that need the
// far side to decode a second camera use fake_device_2 (MJPEG): hence three, not two.
const BASE_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream=device-count=3',
  '--autoplay-policy=no-user-gesture-required',
  '--allow-loopback-in-peer-connection',
  '--auto-select-desktop-capture-source=Entire screen',
];

/**
 * Flags for headless Chromium as root with fake media, on loopback only (DESIGN.md §5). The fake UI
 * grants camera and microphone up front: device names are readable before any getUserMedia.
 */
export const CHROMIUM_FLAGS = [...BASE_FLAGS, '--use-fake-ui-for-media-stream'];

/**
 * Flags for a browser that has not been granted camera and microphone (state `prompt`, device names
 * empty). Headless Chromium dismisses the permission prompt, so getUserMedia is denied until a test
 * grants the permission (test/browser/media-permission-plugin.ts). Not
 * `--auto-accept-camera-and-microphone-capture`: with it getUserMedia succeeds but names stay empty,
 * unlike any real browser after Allow. Tests for it are named `*.prompt.test.ts`.
 */
export const PROMPT_CHROMIUM_FLAGS = BASE_FLAGS;
