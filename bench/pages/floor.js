// The floor: the least a page can do to hold the same call over the same signaling server
// (protocol v1: join, signal, peer-join). No widget, no recovery, no chat protocol: one peer
// connection with a negotiated data channel, trickle ICE, and the second to join offers at once.
import { io } from './socket.io.esm.min.js';
import { camera, firstFrame, textOf } from './measure.js';

const remote = document.querySelector('#remote');
const local = document.querySelector('#local');
const frame = firstFrame(remote);
let socket;
let stream;
let pc;
let channel;
let created;
const pcCreated = new Promise((resolve) => (created = resolve));
// Signals are applied in arrival order, once the connection exists.
let inbox = pcCreated;

const noAnswer = () => undefined;

function connect(signaling, room) {
  socket = io(signaling, { transports: ['websocket'] });
  socket.on('peer-join', () => open(false));
  socket.on('signal', (signal) => {
    inbox = inbox.then(() => apply(signal)).catch((error) => console.error(error));
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => socket.emit('join', { v: 1, room }, resolve));
    socket.once('connect_error', reject);
  });
}

function open(offerer) {
  pc = new RTCPeerConnection({ iceServers: [] });
  pc.addEventListener('icecandidate', ({ candidate }) => {
    socket.emit('signal', { candidate: candidate ? candidate.toJSON() : null }, noAnswer);
  });
  pc.addEventListener('track', ({ streams: [remoteStream] }) => {
    if (remote.srcObject !== remoteStream) remote.srcObject = remoteStream;
  });
  channel = pc.createDataChannel('chat', { negotiated: true, id: 0 });
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  if (offerer) {
    void pc.setLocalDescription().then(() => {
      const { type, sdp } = pc.localDescription;
      socket.emit('signal', { description: { type, sdp } }, noAnswer);
    });
  }
  created();
}

async function apply({ description, candidate }) {
  if (description) {
    await pc.setRemoteDescription(description);
    if (description.type === 'offer') {
      await pc.setLocalDescription();
      const { type, sdp } = pc.localDescription;
      socket.emit('signal', { description: { type, sdp } }, noAnswer);
    }
  } else if (candidate) {
    await pc.addIceCandidate(candidate);
  }
}

async function join({ signaling, room }) {
  const [media, answer] = await Promise.all([camera(), connect(signaling, room)]);
  stream = media;
  local.srcObject = media;
  if (!answer.ok) throw new Error(answer.error.message);
  return answer;
}

/** Resolves with the time the connection is `connected`. */
async function connected() {
  if (pc.connectionState !== 'connected') {
    await until(pc, 'connectionstatechange', () => pc.connectionState === 'connected');
  }
  return Date.now();
}

const until = (target, type, test = () => true) =>
  new Promise((resolve) => {
    const listener = (event) => {
      if (!test(event)) return;
      target.removeEventListener(type, listener);
      resolve(event);
    };
    target.addEventListener(type, listener);
  });

window.bench = {
  frame,

  /** The first person: joins and waits; answers `hello` with `ack` and echoes anything else. */
  async seat(config) {
    await join(config);
    void pcCreated.then(() =>
      channel.addEventListener('message', ({ data }) => channel.send(data === 'hello' ? 'ack' : data)),
    );
  },

  /** The second person: joins (the timed call) and offers; resolves once its remote video shows a frame. */
  async call(config) {
    const joinAt = Date.now();
    await join(config);
    open(true);
    const connectedAt = await connected();
    return { joinAt, connectedAt, frameAt: await frame };
  },

  /** The second person in a chat call: joins, and says `hello` the moment it is connected. */
  async chat(config) {
    await join(config);
    open(true);
    const connectedAt = await connected();
    if (channel.readyState !== 'open') await until(channel, 'open');
    const acked = until(channel, 'message', ({ data }) => data === 'ack');
    channel.send('hello');
    await acked;
    return { connectedAt, firstMessageAt: Date.now() };
  },

  /** Round trips of a `size`-byte message: sent, echoed by the first person, received. */
  async roundTrips(count, size) {
    const times = [];
    for (let i = 0; i < count; i += 1) {
      const reply = until(channel, 'message');
      const start = Date.now();
      channel.send(textOf(size));
      await reply;
      times.push(Date.now() - start);
    }
    return times;
  },
};
