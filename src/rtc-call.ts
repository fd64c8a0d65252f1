import { RtcCall } from './components/rtc-call/rtc-call.component.js';
import { defineDevicePickerOnUse } from './lazy-device-picker.js';

export { RtcCall };

if (!customElements.get('rtc-call')) customElements.define('rtc-call', RtcCall);
// The call's settings load the device picker when they open; a picker on the page on its own is
// defined as soon as the document holds one.
defineDevicePickerOnUse();

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
}
