import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/rtc-call.js';
import '../../src/rtc-device-picker.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';
import type { RtcDevicePicker } from '../../src/components/rtc-device-picker/rtc-device-picker.component.js';
import { rememberedDevice, type DeviceKind } from '../../src/controllers/devices-controller.js';
import type { RtcDeviceChangeEvent } from '../../src/events/events.js';
import {
  SIGNALING,
  expectRemoteVideoFlowing,
  isFirefox,
  itNotInFirefox,
  revealDeviceNames,
  uniqueRoom,
  until,
  untilState,
} from './helpers.js';

// Chromium runs with the fake UI (names readable at once) and three fake cameras: fake_device_1 is a
// Y16 depth camera WebRTC never encodes, so the far side is shown decoding fake_device_2
// (test/browser/chromium.ts). Firefox has one fake camera, one fake microphone and two fake speakers
// (test/browser/firefox.ts): the tests that switch between cameras or microphones skip there.

/** The names of the fake devices each engine lists, by kind (some, in Chromium: not its `default` entries). */
const FAKE_NAMES: Record<DeviceKind, string[]> = isFirefox
  ? {
      videoinput: ['Default Video Device'],
      audioinput: ['Default Audio Device'],
      audiooutput: ['Fake Audio Output 1 (PREFERRED)', 'Fake Audio Output 2'],
    }
  : {
      videoinput: ['fake_device_0', 'fake_device_1', 'fake_device_2'],
      audioinput: ['Fake Audio Input 1', 'Fake Audio Input 2'],
      audiooutput: ['Fake Audio Output 1', 'Fake Audio Output 2'],
    };

const ONE_CAMERA = 'Firefox has one fake camera and one fake microphone: there is no other one to switch to';

/** The fake devices the browser reports, by kind. */
async function fakeDevices(): Promise<Record<DeviceKind, MediaDeviceInfo[]>> {
  const devices = await navigator.mediaDevices.enumerateDevices();
  const of = (kind: DeviceKind): MediaDeviceInfo[] => devices.filter((device) => device.kind === kind);
  return { audioinput: of('audioinput'), videoinput: of('videoinput'), audiooutput: of('audiooutput') };
}

function byLabel(devices: MediaDeviceInfo[], label: string): MediaDeviceInfo {
  const device = devices.find((d) => d.label === label);
  if (!device) throw new Error(`no fake device "${label}"`);
  return device;
}

// Assertions compare plain values (ids, parts, booleans): a failing assertion on a DOM element, track
// or sender cannot be serialised by the test runner and takes the test page down with it.

function select(picker: RtcDevicePicker, kind: DeviceKind): HTMLSelectElement | null {
  return picker.shadowRoot!.querySelector(`select[part="${kind}"]`);
}

/** `[value, text]` of each option of a select. */
function options(picker: RtcDevicePicker, kind: DeviceKind): Array<[string, string]> {
  return [...(select(picker, kind)?.options ?? [])].map((option) => [option.value, option.textContent!.trim()]);
}

/** What a person does: picks an option, which fires `change`. */
function choose(picker: RtcDevicePicker, kind: DeviceKind, deviceId: string): void {
  const element = select(picker, kind)!;
  element.value = deviceId;
  element.dispatchEvent(new Event('change', { bubbles: true }));
}

/** Waits until the picker lists every camera the browser reports (three in Chromium, one in Firefox). */
async function listed(picker: RtcDevicePicker): Promise<void> {
  const cameras = (await fakeDevices()).videoinput.length;
  await until(() => options(picker, 'videoinput').length === cameras, 'the picker to list the cameras');
}

/** The visible name of a select. */
function labelOf(picker: RtcDevicePicker, kind: DeviceKind): string {
  return select(picker, kind)!.labels[0]!.querySelector('span')!.textContent!.trim();
}

/** The next `count` `rtc-device-change` events on `target`. */
function deviceChanges(target: EventTarget, count: number): Promise<Array<[DeviceKind, string]>> {
  const seen: Array<[DeviceKind, string]> = [];
  return new Promise((resolve) => {
    const onChange = (event: Event): void => {
      const { kind, deviceId } = event as RtcDeviceChangeEvent;
      seen.push([kind, deviceId]);
      if (seen.length < count) return;
      target.removeEventListener('rtc-device-change', onChange);
      resolve(seen);
    };
    target.addEventListener('rtc-device-change', onChange);
  });
}

/** The next `rtc-device-change` on `target`. */
async function nextDeviceChange(target: EventTarget): Promise<{ kind: DeviceKind; deviceId: string }> {
  const [[kind, deviceId]] = (await deviceChanges(target, 1)) as [[DeviceKind, string]];
  return { kind, deviceId };
}

/** Counts offers and answers from now on: every one moves a connection out of `stable` and back. */
function countNegotiations(...connections: RTCPeerConnection[]): () => number {
  let changes = 0;
  for (const pc of connections) pc.addEventListener('signalingstatechange', () => changes++);
  return () => changes;
}

function sender(call: RtcCall, kind: 'audio' | 'video'): RTCRtpSender {
  const found = call.peerConnection!.getSenders().find((s) => s.track?.kind === kind);
  if (!found) throw new Error(`no ${kind} sender`);
  return found;
}

async function audioPacketsReceived(pc: RTCPeerConnection): Promise<number> {
  let packets = 0;
  (await pc.getStats()).forEach((report: { type: string; kind?: string; packetsReceived?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'audio') packets += report.packetsReceived ?? 0;
  });
  return packets;
}

/** Two connected calls in one room; `a` has a picker bound with `for`. */
async function callWithPicker(): Promise<{ a: RtcCall; b: RtcCall; picker: RtcDevicePicker }> {
  const room = uniqueRoom('devices');
  const id = `call-${room}`;
  const wrapper = await fixture<HTMLDivElement>(html`
    <div>
      <rtc-call id=${id} room=${room} signaling=${SIGNALING} autojoin></rtc-call>
      <rtc-call room=${room} signaling=${SIGNALING} autojoin></rtc-call>
      <rtc-device-picker for=${id}></rtc-device-picker>
    </div>
  `);
  const [a, b] = wrapper.querySelectorAll('rtc-call');
  const picker = wrapper.querySelector('rtc-device-picker')!;
  await Promise.all([untilState(a!, 'connected'), untilState(b!, 'connected')]);
  await expectRemoteVideoFlowing(b!);
  await until(
    () => a!.peerConnection!.signalingState === 'stable' && b!.peerConnection!.signalingState === 'stable',
    'negotiation to settle',
  );
  await listed(picker);
  return { a: a!, b: b!, picker };
}

describe('<rtc-device-picker>', () => {
  before(() => revealDeviceNames());
  beforeEach(() => localStorage.clear());
  afterEach(() => fixtureCleanup());

  it('lists the cameras, the microphones and the speakers by name', async () => {
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    await listed(picker);
    const fake = await fakeDevices();
    for (const kind of ['audioinput', 'videoinput', 'audiooutput'] as const) {
      expect(options(picker, kind), kind).to.deep.equal(fake[kind].map((d) => [d.deviceId, d.label]));
      expect(labelOf(picker, kind)).to.not.equal('');
    }
    expect(options(picker, 'videoinput').map(([, label]) => label)).to.deep.equal(FAKE_NAMES.videoinput);
    expect(options(picker, 'audioinput').map(([, label]) => label)).to.include.members(FAKE_NAMES.audioinput);
    expect(options(picker, 'audiooutput').map(([, label]) => label)).to.include.members(FAKE_NAMES.audiooutput);
    expect(picker.shadowRoot!.querySelector('[part="allow"]') === null).to.equal(true);
  });

  it('shows only the kinds it is given', async () => {
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker kinds="audiooutput"></rtc-device-picker>`);
    const speakers = (await fakeDevices()).audiooutput.length; // Chromium's default and two; Firefox's two
    expect(speakers).to.be.greaterThan(0);
    await until(() => options(picker, 'audiooutput').length === speakers, 'the speakers to be listed');
    expect([...picker.shadowRoot!.querySelectorAll('select')].map((s) => s.name)).to.deep.equal(['audiooutput']);
    expect(picker.shadowRoot!.querySelector('video, meter') === null, 'no preview, no meter').to.equal(true);
    expect(picker.previewStream?.id ?? null).to.equal(null); // no microphone opened for a speaker list
  });

  /** A waiting call with a picker in its shadow root, previewing the call's stream. */
  async function pickerInCall(): Promise<{ call: RtcCall; picker: RtcDevicePicker }> {
    const call = await fixture<RtcCall>(
      html`<rtc-call room=${uniqueRoom('embedded')} signaling=${SIGNALING}></rtc-call>`,
    );
    const picker = document.createElement('rtc-device-picker');
    call.shadowRoot!.append(picker); // as the settings panel of <rtc-call> will hold it
    await call.join();
    expect(call.state).to.equal('waiting');
    await listed(picker);
    picker.scrollIntoView(); // it previews only while on screen, below the call's own controls
    await until(() => picker.previewStream?.id === call.localStream!.id, "the preview to show the call's stream");
    return { call, picker };
  }

  it("binds to the call whose shadow root it sits in, previews the call's own stream and sets the call's speaker", async () => {
    const { call, picker } = await pickerInCall();
    const speaker = byLabel((await fakeDevices()).audiooutput, 'Fake Audio Output 2'); // named so in both engines
    const changed = nextDeviceChange(call);
    choose(picker, 'audiooutput', speaker.deviceId);
    expect(await changed).to.deep.equal({ kind: 'audiooutput', deviceId: speaker.deviceId });
    const remote = call.shadowRoot!.querySelector<HTMLVideoElement>('video[part="remote-video"]')!;
    expect(remote.sinkId).to.equal(speaker.deviceId);
    await call.hangup();
  });

  itNotInFirefox(ONE_CAMERA, "a camera chosen in the picker of a call switches the call's camera", async () => {
    const { call, picker } = await pickerInCall();
    const camera = byLabel((await fakeDevices()).videoinput, 'fake_device_2');
    const changed = nextDeviceChange(call);
    choose(picker, 'videoinput', camera.deviceId);
    expect(await changed).to.deep.equal({ kind: 'videoinput', deviceId: camera.deviceId });
    expect(call.localStream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal(camera.deviceId);
    await call.hangup();
  });

  it('speaks the language it is given', async () => {
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker lang="zh-CN"></rtc-device-picker>`);
    await listed(picker);
    expect(labelOf(picker, 'videoinput')).to.equal('摄像头');
    expect(labelOf(picker, 'audiooutput')).to.equal('扬声器');
  });

  it('shows a live camera preview and a moving microphone level, and stops both while hidden', async () => {
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    const video = picker.shadowRoot!.querySelector<HTMLVideoElement>('video[part="preview"]')!;
    const meter = picker.shadowRoot!.querySelector<HTMLMeterElement>('meter[part="level"]')!;
    await until(() => video.videoWidth > 0, 'the preview to show the camera');
    await until(() => meter.value > 0, 'the level meter to move');
    const tracks = picker.previewStream!.getTracks();
    expect(tracks.map((track) => track.kind).sort()).to.deep.equal(['audio', 'video']);

    picker.hidden = true;
    await until(() => tracks.every((track) => track.readyState === 'ended'), 'camera and microphone to stop');
    expect(picker.previewStream?.id ?? null).to.equal(null);
    expect(video.srcObject === null).to.equal(true);
    expect(meter.value).to.equal(0);

    picker.hidden = false;
    await until(() => picker.previewStream?.getVideoTracks()[0]?.readyState === 'live', 'the preview to start again');
    await until(() => meter.value > 0, 'the level meter to move again');
  });

  itNotInFirefox(
    ONE_CAMERA,
    'switches camera and microphone mid-call on the same senders, without an offer or answer',
    async () => {
      const { a, b, picker } = await callWithPicker();
      const fake = await fakeDevices();
      const negotiations = countNegotiations(a.peerConnection!, b.peerConnection!);
      const descriptions = [a.peerConnection!.localDescription!.sdp, b.peerConnection!.localDescription!.sdp];
      const senders = a.peerConnection!.getSenders();
      const [oldVideo] = a.localStream!.getVideoTracks();
      const [oldAudio] = a.localStream!.getAudioTracks();
      oldAudio!.enabled = false; // muted: must stay muted on the new microphone

      const camera = byLabel(fake.videoinput, 'fake_device_2');
      expect(oldVideo!.getSettings().deviceId).to.not.equal(camera.deviceId);
      let changed = nextDeviceChange(a);
      choose(picker, 'videoinput', camera.deviceId);
      let event = await changed;
      expect([event.kind, event.deviceId]).to.deep.equal(['videoinput', camera.deviceId]);
      const video = sender(a, 'video').track!;
      expect(video.getSettings().deviceId).to.equal(camera.deviceId);
      expect(a.localStream!.getVideoTracks().map((track) => track.id)).to.deep.equal([video.id]);
      expect(oldVideo!.readyState).to.equal('ended');
      await expectRemoteVideoFlowing(b);

      const microphone = byLabel(fake.audioinput, 'Fake Audio Input 2');
      changed = nextDeviceChange(a);
      choose(picker, 'audioinput', microphone.deviceId);
      event = await changed;
      expect([event.kind, event.deviceId]).to.deep.equal(['audioinput', microphone.deviceId]);
      const audio = sender(a, 'audio').track!;
      expect(audio.getSettings().deviceId).to.equal(microphone.deviceId);
      expect(audio.enabled).to.equal(false);
      expect(a.localStream!.getAudioTracks().map((track) => track.id)).to.deep.equal([audio.id]);
      expect(oldAudio!.readyState).to.equal('ended');
      const packets = await audioPacketsReceived(b.peerConnection!);
      await until(
        async () => (await audioPacketsReceived(b.peerConnection!)) > packets + 10,
        'audio packets to keep coming',
      );
      await expectRemoteVideoFlowing(b);

      const after = a.peerConnection!.getSenders();
      expect(after.length === senders.length && after.every((s, i) => s === senders[i]), 'the same senders').to.equal(
        true,
      );
      expect(negotiations()).to.equal(0);
      expect([a.peerConnection!.localDescription!.sdp, b.peerConnection!.localDescription!.sdp]).to.deep.equal(
        descriptions,
      );
      expect(select(picker, 'videoinput')!.value).to.equal(camera.deviceId);
      expect(select(picker, 'audioinput')!.value).to.equal(microphone.deviceId);
    },
  );

  it("moves the remote audio to the chosen speaker (the remote video's sinkId)", async () => {
    const { a, picker } = await callWithPicker();
    const speaker = byLabel((await fakeDevices()).audiooutput, 'Fake Audio Output 2');
    const changed = nextDeviceChange(a);
    choose(picker, 'audiooutput', speaker.deviceId);
    const event = await changed;
    expect([event.kind, event.deviceId]).to.deep.equal(['audiooutput', speaker.deviceId]);
    const remote = a.shadowRoot!.querySelector<HTMLVideoElement>('video[part="remote-video"]')!;
    expect(remote.sinkId).to.equal(speaker.deviceId);
    expect(rememberedDevice('audiooutput')?.deviceId).to.equal(speaker.deviceId);
  });

  itNotInFirefox(
    ONE_CAMERA,
    'falls back to the default device when the one in use goes away, and returns to it when it is back',
    async () => {
      const { a, b, picker } = await callWithPicker();
      const fake = await fakeDevices();
      const camera0 = fake.videoinput[0]!;
      const camera1 = byLabel(fake.videoinput, 'fake_device_2');
      const microphone = byLabel(fake.audioinput, 'Fake Audio Input 2');
      const speaker = byLabel(fake.audiooutput, 'Fake Audio Output 2');
      await a.setDevice('videoinput', camera1.deviceId);
      await a.setDevice('audioinput', microphone.deviceId);
      await a.setDevice('audiooutput', speaker.deviceId);
      const negotiations = countNegotiations(a.peerConnection!, b.peerConnection!);
      const remote = a.shadowRoot!.querySelector<HTMLVideoElement>('video[part="remote-video"]')!;

      // Unplug: the browser stops listing the three devices in use and fires devicechange.
      const gone = new Set([camera1.deviceId, microphone.deviceId, speaker.deviceId]);
      const enumerate = MediaDevices.prototype.enumerateDevices;
      Object.defineProperty(navigator.mediaDevices, 'enumerateDevices', {
        configurable: true,
        value: async () => (await enumerate.call(navigator.mediaDevices)).filter((d) => !gone.has(d.deviceId)),
      });
      try {
        const fellBack = deviceChanges(a, 3);
        navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
        expect(await fellBack).to.have.deep.members([
          ['audioinput', 'default'],
          ['videoinput', camera0.deviceId],
          ['audiooutput', 'default'],
        ]);
        expect(sender(a, 'video').track!.getSettings().deviceId).to.equal(camera0.deviceId);
        expect(sender(a, 'audio').track!.getSettings().deviceId).to.equal('default');
        expect(remote.sinkId).to.equal('default');
        await until(() => options(picker, 'videoinput').length === 2, 'the picker to drop the unplugged camera');
        expect(select(picker, 'videoinput')!.value).to.equal(camera0.deviceId);
        // The choice outlives the fallback, so the device is used again when it returns.
        expect(rememberedDevice('videoinput')?.deviceId).to.equal(camera1.deviceId);
        await expectRemoteVideoFlowing(b);
      } finally {
        delete (navigator.mediaDevices as Partial<MediaDevices>).enumerateDevices;
      }

      const returned = deviceChanges(a, 3);
      navigator.mediaDevices.dispatchEvent(new Event('devicechange'));
      expect(await returned).to.have.deep.members([
        ['audioinput', microphone.deviceId],
        ['videoinput', camera1.deviceId],
        ['audiooutput', speaker.deviceId],
      ]);
      expect(sender(a, 'video').track!.getSettings().deviceId).to.equal(camera1.deviceId);
      expect(remote.sinkId).to.equal(speaker.deviceId);
      await listed(picker);
      await expectRemoteVideoFlowing(b);
      expect(negotiations()).to.equal(0);
    },
  );

  itNotInFirefox(
    ONE_CAMERA,
    'remembers each choice and restores it after a reload, in the picker and in the call',
    async () => {
      const fake = await fakeDevices();
      const camera = byLabel(fake.videoinput, 'fake_device_2');
      const microphone = byLabel(fake.audioinput, 'Fake Audio Input 2');
      const speaker = byLabel(fake.audiooutput, 'Fake Audio Output 1');
      const frame = document.createElement('iframe');
      frame.style.cssText = 'width: 480px; height: 600px';
      let loaded = oneEvent(frame, 'load');
      frame.src = '/test/browser/fixtures/devices-page.html';
      await fixture(html`<div>${frame}</div>`);
      await loaded;
      const pickerIn = (): RtcDevicePicker => frame.contentDocument!.querySelector('rtc-device-picker')!;
      await listed(pickerIn());
      choose(pickerIn(), 'videoinput', camera.deviceId);
      choose(pickerIn(), 'audioinput', microphone.deviceId);
      choose(pickerIn(), 'audiooutput', speaker.deviceId);
      await until(
        () =>
          rememberedDevice('videoinput')?.deviceId === camera.deviceId &&
          rememberedDevice('audioinput')?.deviceId === microphone.deviceId &&
          rememberedDevice('audiooutput')?.deviceId === speaker.deviceId,
        'the choices to be stored',
      );

      loaded = oneEvent(frame, 'load');
      frame.contentWindow!.location.reload();
      await loaded;
      const picker = pickerIn();
      await listed(picker);
      expect(select(picker, 'videoinput')!.value).to.equal(camera.deviceId);
      expect(select(picker, 'audioinput')!.value).to.equal(microphone.deviceId);
      expect(select(picker, 'audiooutput')!.value).to.equal(speaker.deviceId);

      const call = frame.contentDocument!.querySelector('rtc-call')!;
      call.room = uniqueRoom('reload');
      call.signaling = SIGNALING;
      await call.join();
      expect(call.state).to.equal('waiting');
      expect(call.localStream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal(camera.deviceId);
      expect(call.localStream!.getAudioTracks()[0]!.getSettings().deviceId).to.equal(microphone.deviceId);
      const remote = call.shadowRoot!.querySelector<HTMLVideoElement>('video[part="remote-video"]')!;
      await until(() => remote.sinkId === speaker.deviceId, 'the remote audio to play on the stored speaker');
      await call.hangup();
    },
  );

  it('is usable by keyboard in every engine: Tab reaches each select in order, arrow keys switch the speaker', async () => {
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    await listed(picker);
    await until(() => picker.previewStream?.getVideoTracks()[0]?.readyState === 'live', 'the preview');
    const focused = (): string | null => picker.shadowRoot!.activeElement?.getAttribute('part') ?? null;
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('audioinput');
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('videoinput');
    await sendKeys({ press: 'Tab' });
    expect(focused()).to.equal('audiooutput');
    const [first, second] = options(picker, 'audiooutput');
    expect(select(picker, 'audiooutput')!.value).to.equal(first![0]);
    const changed = nextDeviceChange(picker);
    await sendKeys({ press: 'ArrowDown' });
    const event = await changed;
    expect([event.kind, event.deviceId]).to.deep.equal(['audiooutput', second![0]]);
    expect(rememberedDevice('audiooutput')?.deviceId).to.equal(second![0]);
  });

  itNotInFirefox(
    ONE_CAMERA,
    'is usable by keyboard: Tab reaches each select and arrow keys switch the device',
    async () => {
      const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
      await listed(picker);
      await until(() => picker.previewStream?.getVideoTracks()[0]?.readyState === 'live', 'the preview');
      const [, camera1] = (await fakeDevices()).videoinput;
      const focused = (): string | null => picker.shadowRoot!.activeElement?.getAttribute('part') ?? null;

      await sendKeys({ press: 'Tab' });
      expect(focused()).to.equal('audioinput');
      await sendKeys({ press: 'Tab' });
      expect(focused()).to.equal('videoinput');
      const changed = nextDeviceChange(picker);
      await sendKeys({ press: 'ArrowDown' });
      const event = await changed;
      expect([event.kind, event.deviceId]).to.deep.equal(['videoinput', camera1.deviceId]);
      expect(picker.previewStream!.getVideoTracks()[0]!.getSettings().deviceId).to.equal(camera1.deviceId);
      await sendKeys({ press: 'Tab' });
      expect(focused()).to.equal('audiooutput');
    },
  );

  it('is accessible on its own and bound to a call', async () => {
    const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
    await listed(picker);
    await expect(picker).shadowDom.to.be.accessible();
    const bound = await callWithPicker();
    await expect(bound.picker).shadowDom.to.be.accessible();
  });

  it('hides the speaker select where setSinkId is missing and tells screen readers why', async () => {
    const setSinkId = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'setSinkId')!;
    delete (HTMLMediaElement.prototype as Partial<HTMLMediaElement>).setSinkId;
    try {
      const picker = await fixture<RtcDevicePicker>(html`<rtc-device-picker></rtc-device-picker>`);
      await listed(picker);
      expect(select(picker, 'audiooutput') === null).to.equal(true);
      const note = picker.shadowRoot!.querySelector('p.hidden')!;
      expect(note.textContent).to.contain('cannot choose a speaker');
      expect(getComputedStyle(note).display).to.not.equal('none'); // hidden visually, not from screen readers
      await expect(picker).shadowDom.to.be.accessible();
    } finally {
      Object.defineProperty(HTMLMediaElement.prototype, 'setSinkId', setSinkId);
    }
  });
});
