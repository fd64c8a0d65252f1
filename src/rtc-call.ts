import { RtcCall } from './components/rtc-call/rtc-call.component.js';

export { RtcCall };

if (!customElements.get('rtc-call')) customElements.define('rtc-call', RtcCall);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-call': RtcCall;
  }
}
