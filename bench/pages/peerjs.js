// The same call with PeerJS and its own server (npm `peer`), as its documentation shows it: a
// media call for audio and video, and a data connection for chat. PeerJS gives each its own
// RTCPeerConnection; both start at once. Its cloud server and Google STUN are overridden: the
// server is the benchmark's, on loopback, and there are no ICE servers.
import { camera, firstFrame, textOf } from './measure.js';

const remote = document.querySelector('#remote');
const local = document.querySelector('#local');
const frame = firstFrame(remote);
let peer;
let stream;

const show = (call) => call.on('stream', (remoteStream) => (remote.srcObject = remoteStream));

function open({ server, self }) {
  peer = new window.peerjs.Peer(self, { ...server, secure: false, debug: 0, config: { iceServers: [] } });
  return new Promise((resolve, reject) => {
    peer.once('open', resolve);
    peer.once('error', reject);
  });
}

async function join(config) {
  const [media] = await Promise.all([camera(), open(config)]);
  stream = media;
  local.srcObject = media;
}

const next = (connection) => new Promise((resolve) => connection.once('data', resolve));

let conn;

/** Calls the first person with media and opens the chat connection; resolves when the media connection is connected. */
async function startCall(config) {
  const call = peer.call(config.other, stream);
  conn = peer.connect(config.other);
  show(call);
  const pc = call.peerConnection;
  await new Promise((resolve) => {
    const check = () => pc.connectionState === 'connected' && resolve();
    pc.addEventListener('connectionstatechange', check);
    check();
  });
  return Date.now();
}

window.bench = {
  frame,

  /** The first person: connects and waits; answers `hello` with `ack` and echoes anything else. */
  async seat(config) {
    await join(config);
    peer.on('call', (call) => {
      call.answer(stream);
      show(call);
    });
    peer.on('connection', (connection) =>
      connection.on('data', (data) => connection.send(data === 'hello' ? 'ack' : data)),
    );
  },

  /** The second person: connects (the timed call), calls and opens a data connection at once. */
  async call(config) {
    const joinAt = Date.now();
    await join(config);
    const connectedAt = await startCall(config);
    return { joinAt, connectedAt, frameAt: await frame };
  },

  /** The second person in a chat call: as {@link call}, then says `hello` the moment it is connected. */
  async chat(config) {
    await join(config);
    const connectedAt = await startCall(config);
    if (!conn.open) await new Promise((resolve) => conn.once('open', resolve));
    const acked = next(conn);
    conn.send('hello');
    await acked;
    return { connectedAt, firstMessageAt: Date.now() };
  },

  /** Round trips of a `size`-byte message over the data connection. */
  async roundTrips(count, size) {
    const times = [];
    for (let i = 0; i < count; i += 1) {
      const reply = next(conn);
      const start = Date.now();
      conn.send(textOf(size));
      await reply;
      times.push(Date.now() - start);
    }
    return times;
  },
};
