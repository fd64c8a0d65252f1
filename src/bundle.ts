// Entry of the drop-in scripts (dist/rtc-call.js and its classic-script twin rtc-call.iife.js).
// The npm entry (index.ts) exports the rest; a script tag needs none of it, and leaving it out keeps
// the server-side validators out of pages.
import { RtcCall } from './components/rtc-call/rtc-call.component.js';

export { RtcCall } from './rtc-call.js'; // also defines <rtc-device-picker>, which its settings use

// A script tag's default signaling server is the server that served the script. (The tags are
// already defined by the imports above, but an element joins in its first update, a microtask
// after this line: never before the default is set.) In the classic script, rollup turns
// import.meta.url into the src of document.currentScript, read while the script runs.
RtcCall.defaultSignaling = new URL(import.meta.url).origin;
