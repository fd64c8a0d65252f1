import { RtcCall } from './components/rtc-call/rtc-call.component.js';
// The call's settings panel embeds the device picker.
import './rtc-device-picker.js';

export { RtcCall };

if (!customElements.get('rtc-call')) customElements.define('rtc-call', RtcCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
}
