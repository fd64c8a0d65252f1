// Entry of the drop-in script (dist/rtc-call.js; the classic rtc-call.iife.js loads it too). The
// npm entry (index.ts) exports the rest; a script tag needs none of it, and leaving it out keeps
// the server-side validators out of pages. Everything this imports is the critical path, in one
// chunk (rollup.config.mjs); chat, settings (the device picker) and Chinese strings are chunks the
// elements import when first used (docs/DESIGN.md, "Loading model").
import { RtcCall } from './components/rtc-call/rtc-call.component.js';
import { defineDevicePickerOnUse } from './lazy-device-picker.js';

export { RtcCall };

// A script tag's default signaling server is the server that served the script, set before the
// tag is defined (an element joins in its first update). In the classic loader's case too:
// import.meta.url is this module's address on that server.
RtcCall.defaultSignaling = new URL(import.meta.url).origin;
// As src/rtc-call.ts does for the npm package.
if (!customElements.get('rtc-call')) customElements.define('rtc-call', RtcCall);
defineDevicePickerOnUse();
