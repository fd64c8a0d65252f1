import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import '../../src/rtc-call.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';
import { SIGNALING, calls, cleanup, expectRemoteVideoFlowing, uniqueRoom, until, untilState } from './helpers.js';

async function twoCalls(room: string): Promise<[RtcCall, RtcCall]> {
  const wrapper = await fixture<HTMLDivElement>(html`
    <div>
      <rtc-call room=${room} signaling=${SIGNALING} autojoin></rtc-call>
      <rtc-call room=${room} signaling=${SIGNALING} autojoin></rtc-call>
    </div>
  `);
  const [a, b] = wrapper.querySelectorAll('rtc-call');
  return [a!, b!];
}

describe('<rtc-call>: a call between two elements through the real server', () => {
  afterEach(() => fixtureCleanup());

  it("connects both sides and each decodes the other's video", async () => {
    const [a, b] = await twoCalls(uniqueRoom());
    await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
    await Promise.all([expectRemoteVideoFlowing(a), expectRemoteVideoFlowing(b)]);
    expect(a.localStream!.getVideoTracks()).to.have.length(1);
    expect(a.remoteStream!.getVideoTracks()).to.have.length(1);
    const localVideo = a.shadowRoot!.querySelector<HTMLVideoElement>('video[part="local-video"]')!;
    expect(localVideo.muted).to.equal(true);
    expect(localVideo.playsInline).to.equal(true);
    expect(getComputedStyle(localVideo).transform).to.not.equal('none'); // mirrored
  });

  it("item 11, flaky calls: a call connects when the second person's camera starts only after the first person stopped waiting for its offer", async () => {
    const room = uniqueRoom();
    const [first] = calls(1, room);
    await untilState(first!, 'waiting');
    // The second person's camera (a permission prompt, a slow device) starts once the first
    // person's hold ran out and it sent its own offer: the two first offers collide.
    const getUserMedia = navigator.mediaDevices.getUserMedia;
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      await until(() => first!.peerConnection?.signalingState === 'have-local-offer', "the first person's own offer");
      return getUserMedia.call(navigator.mediaDevices, constraints);
    };
    try {
      const [second] = calls(1, room);
      await Promise.all([untilState(first!, 'connected'), untilState(second!, 'connected')]);
      await Promise.all([expectRemoteVideoFlowing(first!), expectRemoteVideoFlowing(second!)]);
    } finally {
      navigator.mediaDevices.getUserMedia = getUserMedia;
      cleanup();
    }
  });

  it('hangup ends the call, frees the seat and the peer goes back to waiting', async () => {
    const [a, b] = await twoCalls(uniqueRoom());
    await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
    const tracks = a.localStream!.getTracks();
    const left = new Promise<string>((resolve) =>
      b.addEventListener('rtc-peer-leave', (e) => resolve(e.reason), { once: true }),
    );
    const waiting = untilState(b, 'waiting');
    await a.hangup();
    expect(a.state).to.equal('ended');
    expect(a.endReason).to.equal('hangup');
    expect(tracks.every((track) => track.readyState === 'ended')).to.equal(true);
    expect(await left).to.equal('left', 'the seat was freed by leave, not by the grace period');
    await waiting;
  });

  it('removing the element stops every track and closes the connection', async () => {
    const [a, b] = await twoCalls(uniqueRoom());
    await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
    const tracks = a.localStream!.getTracks();
    const pc = a.peerConnection!;
    const left = new Promise<string>((resolve) =>
      b.addEventListener('rtc-peer-leave', (e) => resolve(e.reason), { once: true }),
    );
    const waiting = untilState(b, 'waiting');
    a.remove();
    expect(tracks.length).to.be.greaterThan(0);
    expect(tracks.every((track) => track.readyState === 'ended')).to.equal(true);
    expect(pc.connectionState).to.equal('closed');
    expect(await left).to.equal('left');
    await waiting;
  });

  it('is accessible before joining and in a call', async () => {
    const idle = await fixture<RtcCall>(html`<rtc-call room=${uniqueRoom()} signaling=${SIGNALING}></rtc-call>`);
    await expect(idle).shadowDom.to.be.accessible();
    const [a, b] = await twoCalls(uniqueRoom());
    await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
    await expect(a).shadowDom.to.be.accessible();
  });

  it('a third element in the same room fails with room-full', async () => {
    const room = uniqueRoom();
    const [a, b] = await twoCalls(room);
    await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
    const third = await fixture<RtcCall>(html`<rtc-call room=${room} signaling=${SIGNALING}></rtc-call>`);
    await third.join();
    expect(third.state).to.equal('failed');
    expect(third.error?.code).to.equal('room-full');
    expect(third.localStream).to.equal(null);
  });

  it('join() starts the camera in its own task, reading the device list first only for a remembered device', async () => {
    for (const kind of ['audioinput', 'videoinput']) localStorage.removeItem(`rtc-call:device:${kind}`);
    const devices = navigator.mediaDevices;
    const original = { getUserMedia: devices.getUserMedia, enumerateDevices: devices.enumerateDevices };
    const asked: string[] = [];
    devices.getUserMedia = (constraints) => {
      asked.push(JSON.stringify(constraints));
      return original.getUserMedia.call(devices, constraints);
    };
    devices.enumerateDevices = () => {
      asked.push('enumerateDevices');
      return original.enumerateDevices.call(devices);
    };
    const joinNow = (): RtcCall => {
      const el = document.createElement('rtc-call');
      document.body.append(el);
      el.signaling = SIGNALING;
      el.room = uniqueRoom();
      asked.length = 0; // what the element did on its own when added is not the join's
      void el.join(); // in the same task as the room: no preview first
      return el;
    };
    const [camera] = (await original.enumerateDevices.call(devices)).filter((d) => d.kind === 'videoinput');
    const started: RtcCall[] = [];
    try {
      started.push(joinNow());
      // A first visit: getUserMedia was called before join() returned, and nothing else first.
      expect(asked).to.deep.equal([JSON.stringify({ audio: true, video: true })]);
      await untilState(started[0]!, 'waiting');

      localStorage.setItem('rtc-call:device:videoinput', JSON.stringify({ deviceId: camera!.deviceId, label: '' }));
      started.push(joinNow());
      expect(asked).to.deep.equal(['enumerateDevices']);
      await untilState(started[1]!, 'waiting');
      expect(asked[1]).to.include(camera!.deviceId);
    } finally {
      localStorage.removeItem('rtc-call:device:videoinput');
      // The stand-ins are own properties: removing them uncovers the browser's methods again.
      delete (devices as Partial<MediaDevices>).getUserMedia;
      delete (devices as Partial<MediaDevices>).enumerateDevices;
      for (const el of started) {
        await el.hangup();
        el.remove();
      }
    }
  });
});
