import { RtcDevicePicker } from './components/rtc-device-picker/rtc-device-picker.component.js';

export { RtcDevicePicker };

if (!customElements.get('rtc-device-picker')) customElements.define('rtc-device-picker', RtcDevicePicker);

declare global {
  interface HTMLElementTagNameMap {
    'rtc-device-picker': RtcDevicePicker;
  }
}
