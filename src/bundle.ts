// Entry of the drop-in bundle: defines the elements. The npm entry (index.ts) exports the rest; a
// script tag needs none of it, and leaving it out keeps the server-side validators out of pages.
export { RtcCall } from './rtc-call.js';
export { RtcDevicePicker } from './rtc-device-picker.js';
