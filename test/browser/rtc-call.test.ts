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
    // The attribute iOS Safari reads (Firefox has no playsInline property to reflect it).
    expect(localVideo.hasAttribute('playsinline')).to.equal(true);
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
  it('a bad iceServers property fails the join with bad-ice-servers and a message naming the reason (issue 13 item 10b)', async () => {
    const el = await fixture<RtcCall>(html`<rtc-call room=${uniqueRoom()} signaling=${SIGNALING}></rtc-call>`);
    el.iceServers = [{ urls: 'http://stun.example.com' }];
    const failed = untilState(el, 'failed');
    await el.join();
    await failed;
    expect(el.error?.code).to.equal('bad-ice-servers');
    expect(el.error?.message).to.include('The iceServers property').and.include('http://stun.example.com');
    expect(el.localStream).to.equal(null);
    expect(el.shadowRoot!.querySelector('[part="status"]')!.textContent).to.include(
      'ICE server settings are not valid',
    );
    // A TURN server without credentials is refused the same way, before any peer is there.
    el.iceServers = [{ urls: ['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478'] }];
    await el.join();
    expect(el.error?.code).to.equal('bad-ice-servers');
    // Each engine words it its own way; both name the missing username.
    expect(el.error?.message).to.include('username');
  });
  it('the control channel (id 1) is made again when it closes, and announces the media state again (issue 13 item 10e)', async () => {
    const made: Array<[RTCPeerConnection, RTCDataChannel]> = [];
    const original = RTCPeerConnection.prototype.createDataChannel;
    RTCPeerConnection.prototype.createDataChannel = function (this: RTCPeerConnection, ...args) {
      const channel = original.apply(this, args);
      made.push([this, channel]);
      return channel;
    };
    try {
      const [a, b] = await twoCalls(uniqueRoom());
      await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
      const controlOf = (el: RtcCall) =>
        made.filter(([pc, channel]) => pc === el.peerConnection && channel.id === 1).map(([, channel]) => channel);
      await until(() => b.remoteMedia?.audio === true, 'the first media state');
      const [first] = controlOf(a);
      expect(first!.readyState).to.equal('open');
      first!.close();
      a.setMicEnabled(false); // while the channel is down: told once the new one opens
      await until(() => b.remoteMedia?.audio === false, 'the media state over the new control channel');
      expect(controlOf(a)).to.have.length(2);
      expect(controlOf(a)[1]!.readyState).to.equal('open');
      expect(controlOf(b)).to.have.length(2);
      b.setCameraEnabled(false);
      await until(() => a.remoteMedia?.video === false, 'the other direction');
    } finally {
      RTCPeerConnection.prototype.createDataChannel = original;
    }
  });
});
