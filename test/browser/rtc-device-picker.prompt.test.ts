import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import '../../src/rtc-call.js';
import '../../src/rtc-device-picker.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';
import type { RtcDevicePicker } from '../../src/components/rtc-device-picker/rtc-device-picker.component.js';
import { SIGNALING, uniqueRoom, until } from './helpers.js';

// Runs in a browser that has not been granted camera and microphone (PROMPT_CHROMIUM_FLAGS): device
// names are empty, and headless Chromium dismisses the permission prompt (getUserMedia is denied)
// until the test grants the permission, standing in for the person clicking Allow.

function labels(picker: RtcDevicePicker, kind: string): string[] {
  const select = picker.shadowRoot!.querySelector<HTMLSelectElement>(`select[part="${kind}"]`);
  return [...(select?.options ?? [])].map((option) => option.textContent!.trim());
}

function allowButton(picker: RtcDevicePicker): HTMLButtonElement | null {
  return picker.shadowRoot!.querySelector<HTMLButtonElement>('button[part="allow"]');
}

/** Whether the shadow root has `selector`. Assertions compare plain values: a failing assertion on a
 * DOM element or a track cannot be serialised and takes the test page down with it. */
function has(picker: RtcDevicePicker, selector: string): boolean {
  return picker.shadowRoot!.querySelector(selector) !== null;
}

/** The `part` of the focused element in the picker. */
function focusedPart(picker: RtcDevicePicker): string | null {
  return picker.shadowRoot!.activeElement?.getAttribute('part') ?? null;
}

describe('<rtc-device-picker> before permission', () => {
  beforeEach(() => executeServerCommand('reset-media-permission'));
  afterEach(() => fixtureCleanup());

  it('offers "Allow camera and microphone", asks, and lists the devices by name once allowed', async () => {
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    await until(() => has(picker, '[part="allow"]'), 'the Allow button');
    expect(allowButton(picker)!.textContent!.trim()).to.equal('Allow camera and microphone');
    expect(picker.devices.length).to.be.greaterThan(0);
    expect(picker.devices.every((device) => device.label === '')).to.equal(true);
    expect(has(picker, 'select')).to.equal(false);
    expect(picker.previewStream?.id ?? null).to.equal(null); // nothing is opened before the person asks
    await expect(picker).shadowDom.to.be.accessible();

    // The prompt is dismissed: the picker says so and keeps the button.
    await sendKeys({ press: 'Tab' });
    expect(focusedPart(picker)).to.equal('allow');
    await sendKeys({ press: 'Enter' });
    await until(() => has(picker, '[role="alert"]'), 'the refusal to be shown');
    expect(picker.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('blocked');
    expect(has(picker, '[part="allow"]')).to.equal(true);
    await expect(picker).shadowDom.to.be.accessible();

    // Allowed this time: the names appear and focus moves from the vanished button to the first select.
    await executeServerCommand('grant-media-permission');
    await sendKeys({ press: 'Enter' });
    await until(() => labels(picker, 'videoinput').length === 3, 'the cameras to be listed');
    expect(labels(picker, 'videoinput')).to.deep.equal(['fake_device_0', 'fake_device_1', 'fake_device_2']);
    expect(labels(picker, 'audioinput')).to.include('Fake Audio Input 2');
    expect(labels(picker, 'audiooutput')).to.include('Fake Audio Output 2');
    expect(has(picker, '[part="allow"]')).to.equal(false);
    expect(has(picker, '[role="alert"]')).to.equal(false);
    await until(() => focusedPart(picker) === 'audioinput', 'focus to move to the first select');
    await until(() => picker.previewStream?.getVideoTracks()[0]?.readyState === 'live', 'the preview');
    await expect(picker).shadowDom.to.be.accessible();
  });

  it('bound to a call, lists the names once the call has camera and microphone', async () => {
    const wrapper = await fixture<HTMLDivElement>(html`
      <div>
        <rtc-call room=${uniqueRoom('prompt')} signaling=${SIGNALING}></rtc-call>
        <rtc-device-picker></rtc-device-picker>
      </div>
    `);
    const call = wrapper.querySelector<RtcCall>('rtc-call')!;
    const picker = wrapper.querySelector<RtcDevicePicker>('rtc-device-picker')!;
    picker.call = call;
    await until(() => has(picker, '[part="allow"]'), 'the Allow button');
    await executeServerCommand('grant-media-permission'); // the person will allow the call's request
    await call.join();
    expect(call.state).to.equal('waiting');
    await until(() => labels(picker, 'videoinput').length === 3, 'the cameras to be listed');
    // The picker previews only while on screen; the call above it may have pushed it down.
    picker.scrollIntoView();
    await until(() => picker.previewStream !== null, 'the picker to be shown');
    expect(picker.previewStream?.id).to.equal(call.localStream!.id); // the call's stream, not a second camera
    await call.hangup();
  });
});
