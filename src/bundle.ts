// Entry of the drop-in bundle: defines the elements and exposes the public API.
export * from './index.js';
import './rtc-call.js';
import './rtc-device-picker.js';
