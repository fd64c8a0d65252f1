import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { RtcErrorEvent, RtcPeerJoinEvent, RtcPeerLeaveEvent, RtcStateChangeEvent } from '../events/events.js';
import type { JoinOk, PeerJoin, PeerLeave, RelayedSignal } from '../protocol/signaling.js';
import { SignalingClient, SignalingError } from '../signaling/signaling-client.js';
import { PeerSession } from '../webrtc/peer-session.js';
import { mediaConstraints } from './devices-controller.js';
import { claimSession, keepSession, releaseSession } from './session-store.js';
import { MediaError, type UserMediaController } from './user-media-controller.js';

/** The states of a call (DESIGN.md §4). */
export type CallState =
  'idle' | 'joining' | 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

/** Codes of a fatal call error (DESIGN.md §4). */
export type CallErrorCode =
  | 'permission-denied'
  | 'device-not-found'
  | 'device-in-use'
  | 'room-full'
  | 'unauthorized'
  | 'invalid-room'
  | 'signaling-unreachable'
  | 'ice-failed'
  | 'unsupported-browser';

/** The `error` property of `<rtc-call>`. */
export interface CallError {
  code: CallErrorCode;
  message: string;
}

/** What the call needs from its element. */
export interface CallHost extends ReactiveControllerHost, EventTarget {
  room: string;
  signaling: string;
  token: string;
  iceServers: RTCIceServer[] | null;
  iceTransportPolicy: RTCIceTransportPolicy;
}

const FATAL_SIGNALING = new Set(['room-full', 'unauthorized', 'invalid-room', 'signaling-unreachable']);

/**
 * Runs one call for its host: local media, signaling, and the peer connection, and the state
 * machine that ties them together. Everything is released when the host leaves the page.
 */
export class CallController implements ReactiveController {
  state: CallState = 'idle';
  error: CallError | null = null;
  endReason: 'hangup' | 'timeout' | null = null;
  /** The current peer connection wrapper, while a peer is present. */
  peer: PeerSession | null = null;

  readonly #host: CallHost;
  readonly #media: UserMediaController;
  #signaling: SignalingClient | null = null;
  #self: string | null = null;
  #peerId: string | null = null;
  #iceServers: RTCIceServer[] = [];
  #unsubscribe: Array<() => void> = [];
  #session: string | undefined;
  #ready = false;
  #deferred: Array<() => void> = [];
  #sessionRoom: string | null = null;

  constructor(host: CallHost, media: UserMediaController) {
    this.#host = host;
    this.#media = media;
    host.addController(this);
  }

  /** The remote stream of the current peer, if any. */
  get remoteStream(): MediaStream | null {
    return this.peer?.remoteStream ?? null;
  }

  /** Joins the room: acquires media and signaling in parallel, then waits for or calls the peer. */
  async join(): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'ended' && this.state !== 'failed') return;
    this.error = null;
    this.endReason = null;
    this.#setState('joining');
    const signaling = new SignalingClient(this.#host.signaling);
    this.#signaling = signaling;
    // Listen before joining: the peer may arrive while the camera is still starting.
    this.#ready = false;
    this.#listen(signaling);
    try {
      const media = this.#media.stream
        ? Promise.resolve(this.#media.stream)
        : mediaConstraints().then((constraints) => this.#media.acquire(constraints)); // remembered devices
      const [, answer] = await Promise.all([media, signaling.connect().then(() => this.#join(signaling, false))]);
      if (this.#signaling !== signaling) return; // hung up meanwhile
      this.#joined(answer);
      this.#ready = true;
      for (const run of this.#deferred.splice(0)) run();
    } catch (error) {
      if (this.#signaling === signaling) this.#fail(error);
    }
  }

  /** Leaves the call for good: frees the seat, closes the connection, stops the camera. */
  async hangup(reason: 'hangup' | 'timeout' = 'hangup'): Promise<void> {
    if (this.state === 'ended') return;
    const signaling = this.#signaling;
    this.#teardown();
    this.#releaseSession(true);
    this.endReason = reason;
    this.#setState('ended');
    if (signaling) await closeSignaling(signaling);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    const signaling = this.#signaling;
    this.#teardown();
    this.#releaseSession(true);
    if (signaling) void closeSignaling(signaling);
  }

  async #join(signaling: SignalingClient, resume: boolean): Promise<JoinOk> {
    const room = this.#host.room;
    this.#session ??= claimSession(room);
    const answer = await signaling.join({
      room,
      ...(this.#host.token ? { token: this.#host.token } : {}),
      ...(this.#session ? { session: this.#session } : {}),
      ...(resume ? { resume: true } : {}),
    });
    keepSession(room, answer.session, this.#session);
    this.#session = answer.session;
    this.#sessionRoom = room;
    return answer;
  }

  /** Lets go of the session: `forget` when the seat was given up (hang-up), not on a page unload. */
  #releaseSession(forget: boolean): void {
    if (this.#session && this.#sessionRoom) releaseSession(this.#sessionRoom, this.#session, forget);
    this.#session = undefined;
    this.#sessionRoom = null;
  }

  #joined(answer: JoinOk): void {
    this.#self = answer.self;
    this.#iceServers = answer.iceServers;
    const [peer] = answer.peers;
    if (peer) {
      this.#startPeer(peer, answer.polite);
    } else {
      this.#setState('waiting');
    }
  }

  #listen(signaling: SignalingClient): void {
    // Events that arrive before the call is set up run once it is, in order.
    const whenReady =
      <T>(handle: (event: T) => void) =>
      (event: T): void => {
        if (this.#ready) handle(event);
        else this.#deferred.push(() => handle(event));
      };
    this.#unsubscribe.push(
      signaling.on(
        'peer-join',
        whenReady((event) => this.#onPeerJoin(event)),
      ),
      signaling.on(
        'peer-leave',
        whenReady((event) => this.#onPeerLeave(event)),
      ),
      signaling.on(
        'signal',
        whenReady((event) => this.#onSignal(event)),
      ),
      signaling.onConnection('connect', () => {
        if (this.#ready) void this.#rejoin(signaling);
      }),
    );
  }

  /** After a socket reconnect: take the seat back, keeping the peer connection. */
  async #rejoin(signaling: SignalingClient): Promise<void> {
    try {
      const answer = await this.#join(signaling, true);
      if (this.#signaling !== signaling) return;
      this.#iceServers = answer.iceServers;
      const [peer] = answer.peers;
      if (!peer) {
        this.#closePeer();
        this.#setState('waiting');
      } else if (peer !== this.#peerId || !this.peer) {
        this.#startPeer(peer, answer.polite);
      }
    } catch (error) {
      if (this.#signaling === signaling) this.#fail(error);
    }
  }

  #onPeerJoin(event: PeerJoin): void {
    const alive = this.peer && this.peer.pc.connectionState !== 'closed' && this.peer.pc.connectionState !== 'failed';
    if (event.resumed && event.peer === this.#peerId && alive) return; // a signaling blip: media never stopped
    this.#startPeer(event.peer, event.polite);
    this.#host.dispatchEvent(new RtcPeerJoinEvent(event.peer));
  }

  #onPeerLeave(event: PeerLeave): void {
    if (event.peer !== this.#peerId) return;
    this.#closePeer();
    this.#host.dispatchEvent(new RtcPeerLeaveEvent(event.peer, event.reason));
    this.#setState('waiting');
  }

  #onSignal(event: RelayedSignal): void {
    if (!this.peer || event.from !== this.#peerId) return;
    const { from: _from, ...signal } = event;
    void this.peer.receive(signal);
  }

  #startPeer(peerId: string, polite: boolean): void {
    this.#closePeer();
    const signaling = this.#signaling!;
    this.#peerId = peerId;
    const peer = new PeerSession({
      polite,
      localStream: this.#media.stream,
      rtcConfiguration: {
        iceServers: this.#host.iceServers ?? this.#iceServers,
        iceTransportPolicy: this.#host.iceTransportPolicy,
      },
      send: (signal) => {
        signaling.signal(signal).catch((error: unknown) => this.#report(error));
      },
    });
    this.peer = peer;
    peer.addEventListener('remote-track', () => this.#host.requestUpdate());
    peer.addEventListener('connection-state', () => this.#onConnectionState(peer));
    peer.addEventListener('negotiation-error', () => this.#report(peer.lastError));
    this.#setState('connecting');
  }

  #onConnectionState(peer: PeerSession): void {
    if (peer !== this.peer) return;
    switch (peer.pc.connectionState) {
      case 'connected':
        this.#setState('connected');
        break;
      case 'disconnected':
        if (this.state === 'connected') this.#setState('reconnecting');
        break;
      case 'failed':
        this.#setState('reconnecting');
        void this.#restartIce(peer);
        break;
      default:
        break;
    }
  }

  /** ICE restart with fresh credentials: coturn checks expiry only when an allocation is made. */
  async #restartIce(peer: PeerSession): Promise<void> {
    let iceServers = this.#host.iceServers ?? this.#iceServers;
    try {
      if (!this.#host.iceServers && this.#signaling?.connected) {
        iceServers = (await this.#signaling.iceServers()).iceServers;
        this.#iceServers = iceServers;
      }
    } catch (error) {
      this.#report(error);
    }
    if (peer === this.peer) peer.restartIce({ iceServers });
  }

  #closePeer(): void {
    this.peer?.close();
    this.peer = null;
    this.#peerId = null;
    this.#host.requestUpdate();
  }

  #teardown(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#ready = false;
    this.#deferred = [];
    this.#closePeer();
    this.#media.stop();
    this.#signaling = null;
    this.#self = null;
  }

  #fail(error: unknown): void {
    const signaling = this.#signaling;
    const callError = toCallError(error);
    this.#teardown();
    this.#releaseSession(true);
    if (signaling) void closeSignaling(signaling);
    this.error = callError;
    this.#host.dispatchEvent(new RtcErrorEvent(callError.code, callError.message));
    this.#setState('failed');
  }

  /** A non-fatal problem: reported as an event, the call goes on. */
  #report(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof SignalingError ? error.code : 'negotiation';
    this.#host.dispatchEvent(new RtcErrorEvent(code, message));
  }

  #setState(state: CallState): void {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.#host.requestUpdate();
    this.#host.dispatchEvent(new RtcStateChangeEvent(state, previous));
  }

  /** Id the server gave this side (diagnostics). */
  get self(): string | null {
    return this.#self;
  }
}

/** Frees the seat at once (no grace period for the other side to sit through), then disconnects. */
async function closeSignaling(signaling: SignalingClient): Promise<void> {
  await signaling.leave().catch(() => undefined);
  signaling.close();
}

function toCallError(error: unknown): CallError {
  if (error instanceof MediaError) return { code: error.code, message: error.message };
  if (error instanceof SignalingError && FATAL_SIGNALING.has(error.code)) {
    return { code: error.code as CallErrorCode, message: error.message };
  }
  if (error instanceof SignalingError) return { code: 'signaling-unreachable', message: error.message };
  return { code: 'unsupported-browser', message: error instanceof Error ? error.message : String(error) };
}
