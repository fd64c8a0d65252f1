import {
  RtcErrorEvent,
  RtcMediaChangeEvent,
  RtcMessageEvent,
  RtcPeerJoinEvent,
  RtcPeerLeaveEvent,
  RtcStateChangeEvent,
  RtcStatsEvent,
  type CallState,
  type MediaState,
} from '../events/events.js';
import { decodeMediaState, encodeMediaState } from '../protocol/control.js';
import type { JoinOk, PeerJoin, PeerLeave, RelayedSignal } from '../protocol/signaling.js';
import type { SignalingClient } from '../signaling/signaling-client.js';
import { SignalingError } from '../signaling/signaling-error.js';
import type { ChatChannel, ChatMessage } from '../webrtc/chat-channel.js';
import { PeerSession } from '../webrtc/peer-session.js';
import type { CallStats, StatsSample } from '../webrtc/stats.js';
import { CallFailure, toCallError, type CallError } from './call-errors.js';
import { HeldChannel } from './held-channel.js';
import { claimSession, keepSession, releaseSession } from './session-store.js';
import { MediaError, toMediaError, type UserMedia } from './user-media.js';

/** What a call reads from its owner whenever it needs them (the element's properties). */
export interface CallSettings {
  readonly room: string;
  readonly token: string;
  readonly audioOnly: boolean;
  /** Seconds to wait alone in the room before hanging up (0: forever). */
  readonly ringTimeout: number;
  /** ICE servers that replace the signaling server's, or null. */
  readonly iceServers: RTCIceServer[] | null;
  readonly iceTransportPolicy: RTCIceTransportPolicy;
}

/** The part of {@link SignalingClient} a call uses: a test can pass its own connection. */
export type CallSignaling = Pick<
  SignalingClient,
  'connected' | 'connect' | 'join' | 'signal' | 'iceServers' | 'leave' | 'on' | 'onConnection' | 'close'
>;

/** The local media a call sends ({@link UserMedia} or anything shaped like it). */
export type CallMedia = Pick<UserMedia, 'stream' | 'acquireAvailable' | 'stop'>;

/** The chat's code (a chunk of the drop-in, loaded once a seat is taken). */
export type ChatCode = typeof import('../webrtc/chat-channel.js');

/** What a {@link CallSession} is made of. */
export interface CallSessionOptions {
  settings: CallSettings;
  media: CallMedia;
  /** Opens signaling to a server URL (throws when the URL is unusable). */
  signaling: (url: string) => CallSignaling;
  /** The constraints for the local media, remembered devices first; sync when it can be. */
  constraints?: (options: { video: boolean }) => MediaStreamConstraints | Promise<MediaStreamConstraints>;
  /** Where the public `rtc-…` events are dispatched (the element); the session itself by default. */
  target?: EventTarget;
  /** Loads the chat's code; a dynamic import by default. */
  loadChat?: () => Promise<ChatCode>;
  /**
   * What the host wants ready before the call waits alone in the room (the element: its device
   * switching, a chunk), awaited with the chat's code; not when someone is already there.
   */
  prepare?: () => Promise<unknown>;
}

/** How long ICE may stay `disconnected` before an ICE restart. */
const DISCONNECTED_GRACE_MS = 3000;
/** How long one ICE restart may take before the next. */
const RESTART_CHECK_MS = 8000;
/** How long the connection may stay broken before the call fails with `ice-failed`. */
const GIVE_UP_MS = 90_000;
const STATS_INTERVAL_MS = 2000;
const FIRST_STATS_MS = 1000;
/** How soon a rejoin that failed (signaling still unsettled) is tried again. */
const REJOIN_RETRY_MS = 2000;

/**
 * One call, framework-free: local media, signaling, the peer connection, and the state machine
 * that ties them together, including recovery (socket rejoin, ICE restart), the chat and the
 * stats. `change` fires on the session whenever something it shows changed, `chat-change` when
 * the conversation did (a message, a status); the public `rtc-…` events go to its target.
 * {@link close} releases everything.
 */
export class CallSession extends EventTarget {
  state: CallState = 'idle';
  error: CallError | null = null;
  endReason: 'hangup' | 'timeout' | 'replaced' | null = null;
  /** The current peer connection wrapper, while a peer is present. */
  peer: PeerSession | null = null;
  /** What the peer last said it sends, or null before it said anything. */
  remoteMedia: MediaState | null = null;
  micEnabled = true;
  cameraEnabled = true;
  /** The camera turned off (setCameraEnabled), to open again; whether it is being opened. */
  #cameraId = '';
  #reopening = false;
  /** The screen being shared, while sharing. */
  screenStream: MediaStream | null = null;
  /** The last `rtc-stats` figures. */
  stats: CallStats | null = null;
  /** The text chat of this seat, from the join answer on (kept in sessionStorage per room and seat). */
  chat: ChatChannel | null = null;

  readonly #settings: CallSettings;
  readonly #media: CallMedia;
  readonly #target: EventTarget;
  readonly #connect: (url: string) => CallSignaling;
  readonly #constraints: NonNullable<CallSessionOptions['constraints']>;
  readonly #loadChatCode: () => Promise<ChatCode>;
  readonly #prepare: (() => Promise<unknown>) | undefined;
  #chatCode: Promise<ChatCode> | null = null;
  #signaling: CallSignaling | null = null;
  /** The chat being made (its code loading), from the join answer until the chat exists. */
  #chatLoading: Promise<ChatChannel | null> | null = null;
  /** The peer's chat channel, holding its messages while the chat does not exist yet. */
  #heldChannel: HeldChannel | null = null;
  #peerId: string | null = null;
  #iceServers: RTCIceServer[] = [];
  #unsubscribe: Array<() => void> = [];
  #session: string | undefined;
  #sessionRoom: string | null = null;
  #ready = false;
  #deferred: Array<() => void> = [];
  #ringTimer: ReturnType<typeof setTimeout> | undefined;
  #iceTimer: ReturnType<typeof setTimeout> | undefined;
  #brokenSince: number | null = null;
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #statsSample: StatsSample | null = null;
  #timeline: Array<{ at: number; state: CallState }> = [];
  #startedAt = 0;
  #restarts = 0;

  constructor(options: CallSessionOptions) {
    super();
    this.#settings = options.settings;
    this.#media = options.media;
    this.#target = options.target ?? this;
    this.#connect = options.signaling;
    this.#constraints = options.constraints ?? (({ video }) => ({ audio: true, video }));
    this.#prepare = options.prepare;
    this.#loadChatCode = options.loadChat ?? (() => import('../webrtc/chat-channel.js'));
  }

  /** The remote stream of the current peer, if any. */
  get remoteStream(): MediaStream | null {
    return this.peer?.remoteStream ?? null;
  }

  /** What this side sends now. */
  get localMedia(): MediaState {
    const stream = this.#media.stream;
    return {
      audio: this.micEnabled && !!stream?.getAudioTracks().length,
      video: (this.cameraEnabled && !!stream?.getVideoTracks().length) || !!this.screenStream,
      screen: !!this.screenStream,
    };
  }

  /** Starts the camera before joining, so the user sees themselves; errors fail the call. */
  async preview(): Promise<void> {
    if (this.state !== 'idle' || this.#media.stream) return;
    try {
      await this.#media.acquireAvailable(await this.#constraints({ video: !this.#settings.audioOnly }));
      this.#applyEnabled();
    } catch (error) {
      if (this.state === 'idle') this.#fail(error);
    }
  }

  /**
   * Joins the room through the signaling server at `signalingUrl`: acquires media and signaling in
   * parallel, then waits for or calls the peer.
   */
  async join(signalingUrl: string): Promise<void> {
    if (this.state !== 'idle' && this.state !== 'ended' && this.state !== 'failed') return;
    this.error = null;
    this.endReason = null;
    this.#timeline = [];
    this.#startedAt = performance.now();
    this.#restarts = 0;
    let signaling: CallSignaling | undefined;
    try {
      // The npm package has no script origin to fall back on (DESIGN.md §4).
      if (signalingUrl) signaling = this.#connect(signalingUrl);
    } catch {
      // An address that does not parse (the drop-in script parses it with URL).
    }
    let bad;
    try {
      // Checked before the camera and the server: a browser that cannot make the call (WebKitGTK
      // has getUserMedia but no RTCPeerConnection) must not light the camera or take a seat.
      // restartIce() (Chrome 77, Firefox 70, Safari 14.1) stands for the API generation the call
      // uses; setLocalDescription() without arguments came in Chrome 80, Firefox 75, Safari 14.1,
      // so only Chrome 77-79 and Firefox 70-74 (2019) pass this and fail later, at the first offer.
      const missing = [
        typeof RTCPeerConnection != 'function'
          ? 'RTCPeerConnection'
          : !RTCPeerConnection.prototype.restartIce && 'RTCPeerConnection.restartIce',
        !this.#media.stream &&
          !navigator.mediaDevices?.getUserMedia &&
          'navigator.mediaDevices.getUserMedia' + (isSecureContext ? '' : ' (the page is not on HTTPS)'),
      ].filter(Boolean);
      if (missing.length) {
        throw new CallFailure('unsupported-browser', `This browser has no ${missing.join(', ')}.`);
      }
      if (this.#settings.iceServers) this.#checkIce(this.#settings.iceServers, 'The iceServers property');
    } catch (error) {
      bad = error;
    }
    if (!signaling || bad) {
      this.#setState('joining');
      const why = 'No usable signaling server: set the signaling attribute of <rtc-call> to its URL.';
      this.#fail(bad ?? new SignalingError('signaling-unreachable', why));
      signaling?.close();
      return;
    }
    this.#signaling = signaling;
    // The camera is the slowest part of joining: it starts first, in this task when it can
    // (remembered devices first, then what there is; none once the call was left meanwhile).
    const preferred = this.#media.stream ? null : this.#constraints({ video: !this.#settings.audioOnly });
    const media = !preferred
      ? Promise.resolve(this.#media.stream)
      : 'then' in preferred
        ? preferred.then((constraints) =>
            this.#signaling === signaling ? this.#media.acquireAvailable(constraints) : null,
          )
        : this.#media.acquireAvailable(preferred);
    this.#setState('joining');
    // Listen before joining: the peer may arrive while the camera is still starting.
    this.#ready = false;
    this.#listen(signaling);
    try {
      // The chat's code (a chunk of the drop-in) starts loading with the camera and the socket.
      this.#loadChat().catch(() => undefined);
      const [, answer] = await Promise.all([media, this.#firstJoin(signaling)]);
      if (this.#signaling !== signaling) return; // hung up meanwhile
      // Alone in the room, nothing can arrive yet: waiting for the chat's code here lets what is
      // written while waiting show at once. With a peer there, the call does not wait for it.
      if (!answer.peers.length) {
        await Promise.all([this.#chatLoading?.catch(() => undefined), this.#prepare?.().catch(() => undefined)]);
      }
      if (this.#signaling !== signaling) return;
      this.#applyEnabled();
      this.#joined(answer);
      this.#ready = true;
      for (const run of this.#deferred.splice(0)) run();
    } catch (error) {
      if (this.#signaling === signaling) this.#fail(error);
    }
  }

  /** Leaves the call for good: frees the seat, closes the connection, stops the camera. */
  async hangup(reason: 'hangup' | 'timeout' | 'replaced' = 'hangup'): Promise<void> {
    if (this.state === 'ended') return;
    const signaling = this.#signaling;
    this.#teardown();
    this.#releaseSession(true);
    this.endReason = reason;
    this.#setState('ended');
    if (signaling) await closeSignaling(signaling);
  }

  /** Mutes or unmutes the microphone (the track keeps running; the peer is told). */
  setMicEnabled(enabled: boolean): void {
    this.micEnabled = enabled;
    this.#applyEnabled();
    this.#mediaChanged();
  }

  /**
   * Turns the camera off or on; the peer is told. Off stops the camera's track (its light goes
   * off) and sends no video; on opens the same camera again and hands the new track to the same
   * sender (`replaceTrack`: no renegotiation). A camera that cannot be opened again stays off,
   * with an `rtc-error`.
   */
  setCameraEnabled(enabled: boolean): void {
    this.cameraEnabled = enabled;
    const stream = this.#media.stream;
    const track = stream?.getVideoTracks()[0];
    if (!enabled && track?.readyState === 'live') {
      this.#cameraId = track.getSettings().deviceId ?? '';
      track.stop();
      if (!this.screenStream) void this.peer?.setLocalTrack('video', null, stream!);
    } else if (enabled && track?.readyState === 'ended' && !this.#reopening) {
      this.#reopening = true; // one at a time: on, off, on must not open two cameras
      void this.#reopenCamera(stream!).finally(() => (this.#reopening = false));
    }
    this.#applyEnabled();
    this.#mediaChanged();
  }

  /** Opens the camera turned off again, in the stream and on the sender (see setCameraEnabled). */
  async #reopenCamera(stream: MediaStream): Promise<void> {
    try {
      // Device switching's code (a chunk of the drop-in): the one place a track is swapped in place.
      const { switchTrack } = await import('../webrtc/switch-track.js');
      const track = await switchTrack({ stream, kind: 'videoinput', deviceId: this.#cameraId });
      if (this.#media.stream !== stream) return void track.stop(); // the call ended meanwhile
      // Turned off again meanwhile: off it goes (a later "on" opens it again).
      if (!this.cameraEnabled) return void track.stop();
      if (!this.screenStream) await this.peer?.setLocalTrack('video', track, stream);
    } catch (error) {
      this.cameraEnabled = false;
      this.#target.dispatchEvent(new RtcErrorEvent(toMediaError(error).code, (error as Error).message));
    }
    this.#applyEnabled();
    this.#mediaChanged();
  }

  /** Shares a screen instead of the camera until {@link stopScreenShare} or the browser's stop button. */
  async startScreenShare(): Promise<void> {
    if (this.screenStream) return;
    if (!navigator.mediaDevices?.getDisplayMedia) {
      throw new MediaError('unsupported-browser', 'This browser cannot share the screen.');
    }
    let screen: MediaStream;
    try {
      screen = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'NotAllowedError') return; // the user picked nothing: not an error
      throw toMediaError(error); // e.g. nothing to share (headless Firefox: NotFoundError)
    }
    const [track] = screen.getVideoTracks();
    if (!track || this.screenStream || !this.#signaling) {
      // Nothing to share, a second share won the race, or the call ended while the picker was open.
      for (const t of screen.getTracks()) t.stop();
      return;
    }
    this.screenStream = screen;
    track.addEventListener('ended', () => this.stopScreenShare().catch((error: unknown) => this.#report(error)));
    await this.peer?.setLocalTrack('video', track, screen);
    this.#mediaChanged();
  }

  /** Goes back to the camera. */
  async stopScreenShare(): Promise<void> {
    const screen = this.screenStream;
    if (!screen) return;
    this.screenStream = null;
    for (const track of screen.getTracks()) track.stop();
    const stream = this.#media.stream;
    const camera = stream?.getVideoTracks()[0];
    // Back to the camera, unless it was turned off meanwhile (its track is stopped: send nothing).
    await this.peer?.setLocalTrack('video', camera?.readyState === 'live' ? camera : null, stream ?? new MediaStream());
    this.#mediaChanged();
  }

  /** The conversation, oldest first. */
  get messages(): readonly ChatMessage[] {
    return this.chat?.messages ?? [];
  }

  /**
   * Sends a chat message; resolves when the peer has it, rejects with a `ChatError` when refused.
   * Right after joining it waits for the chat's code, which is still loading.
   */
  async sendMessage(text: string): Promise<ChatMessage> {
    const chat = this.chat ?? (await this.#chatLoading);
    if (chat) return chat.send(text);
    const { ChatError } = await this.#loadChat();
    throw new ChatError('closed', 'Join the call before sending messages.');
  }

  /** A redacted report for bug reports: states, timings, candidate types, browser; no addresses or ids. */
  diagnostics(): string {
    return JSON.stringify(
      {
        rtcCall: 1,
        userAgent: navigator.userAgent,
        state: this.state,
        error: this.error?.code ?? null,
        endReason: this.endReason,
        timeline: this.#timeline.map(({ at, state }) => ({ ms: Math.round(at), state })),
        iceRestarts: this.#restarts,
        connection: this.peer
          ? {
              connectionState: this.peer.pc.connectionState,
              iceConnectionState: this.peer.pc.iceConnectionState,
              signalingState: this.peer.pc.signalingState,
            }
          : null,
        stats: this.stats,
        chatMessages: this.messages.length,
        chatDropped: this.chat?.dropped ?? 0,
        local: this.localMedia,
        remote: this.remoteMedia,
      },
      null,
      2,
    );
  }

  /** Lets go of everything, as when the element leaves the page: the seat is freed, media stops. */
  close(): void {
    const signaling = this.#signaling;
    this.#teardown();
    this.#releaseSession(true);
    if (signaling) void closeSignaling(signaling);
  }

  // ---- joining and the room ----

  /** The first join: a socket that drops before the answer joins again once it is back. */
  async #firstJoin(signaling: CallSignaling): Promise<JoinOk> {
    for (;;) {
      await signaling.connect();
      try {
        return await this.#join(signaling, false);
      } catch (error) {
        if (signaling.connected || this.#signaling !== signaling) throw error;
      }
    }
  }

  async #join(signaling: CallSignaling, resume: boolean): Promise<JoinOk> {
    const room = this.#settings.room;
    this.#session ??= claimSession(room);
    const answer = await signaling.join({
      room,
      ...(this.#settings.token ? { token: this.#settings.token } : {}),
      ...(this.#session ? { session: this.#session } : {}),
      ...(resume ? { resume: true } : {}),
    });
    // Hung up (or removed) while the answer was on its way: keep nothing of it.
    if (this.#signaling !== signaling) throw new SignalingError('signaling-unreachable', 'The call was left.');
    keepSession(room, answer.session, this.#session);
    this.#session = answer.session;
    this.#sessionRoom = room;
    this.#openChat(room, answer.session);
    return answer;
  }

  /**
   * The chat of this seat, restored from the tab's storage after a reload. Its code loads now (a
   * chunk of the drop-in); what the peer sends meanwhile waits in {@link HeldChannel}.
   */
  #openChat(room: string, session: string): void {
    if (this.chat || this.#chatLoading) return;
    const current = (): boolean => this.#sessionRoom === room && this.#session === session;
    const loading = this.#loadChat().then(
      ({ ChatChannel, sessionChatStorage }) => {
        if (!current() || this.#chatLoading !== loading) return null; // left meanwhile
        const chat = new ChatChannel({ storage: sessionChatStorage(chatKey(room, session)) });
        chat.addEventListener('message', (event) => {
          this.#target.dispatchEvent(new RtcMessageEvent((event as unknown as { message: ChatMessage }).message));
        });
        // Apart from `change`: a host that does not show the conversation need not redraw for it.
        chat.addEventListener('change', () => this.dispatchEvent(new Event('chat-change')));
        this.chat = chat;
        this.#chatLoading = null;
        if (this.peer) chat.attach(this.#heldChannel ?? this.peer.channel, this.#peerId!);
        this.#heldChannel = null;
        this.#changed();
        return chat;
      },
      (error: unknown) => {
        // Chat cannot work without its code: say so; sendMessage() rejects with this error.
        if (current()) this.#report(error);
        throw error;
      },
    );
    loading.catch(() => undefined);
    this.#chatLoading = loading;
  }

  /** Lets go of the session: `forget` when the seat was given up (hang-up), not on a page unload. */
  #releaseSession(forget: boolean): void {
    if (this.#session && this.#sessionRoom) releaseSession(this.#sessionRoom, this.#session, forget);
    if (forget) this.chat?.clear();
    if (forget && !this.chat && this.#session && this.#sessionRoom) {
      // Left before the chat's code arrived: its stored conversation goes all the same.
      try {
        sessionStorage.removeItem(chatKey(this.#sessionRoom, this.#session));
      } catch {
        // storage blocked: nothing was stored
      }
    }
    this.chat = null;
    this.#chatLoading = null;
    this.#session = undefined;
    this.#sessionRoom = null;
  }

  /**
   * Throws `bad-ice-servers` for ICE settings the browser refuses (its own check, the one
   * RTCPeerConnection makes), naming `source` and the reason: later it would throw inside a handler.
   */
  #checkIce(iceServers: RTCIceServer[], source: string): RTCIceServer[] {
    try {
      new RTCPeerConnection({ iceServers, iceTransportPolicy: this.#settings.iceTransportPolicy }).close();
    } catch (error) {
      throw new CallFailure('bad-ice-servers', `${source} cannot be used: ${(error as Error).message}`);
    }
    return iceServers;
  }

  #serverIce(iceServers: RTCIceServer[]): void {
    this.#iceServers = this.#checkIce(iceServers, "The signaling server's iceServers");
  }

  #joined(answer: JoinOk): void {
    this.#serverIce(answer.iceServers);
    const [peer] = answer.peers;
    if (peer) this.#startPeer(peer, answer.polite, true);
    else this.#setState('waiting');
  }

  #listen(signaling: CallSignaling): void {
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
        // A reconnect after the join answer but before the call is set up (the camera is slow)
        // rejoins once it is; before the answer, #firstJoin joins again.
        if (this.#ready) void this.#rejoin(signaling);
        else if (this.#sessionRoom) this.#deferred.push(() => void this.#rejoin(signaling));
      }),
      signaling.onConnection('disconnect', (reason) => {
        // The server closed this socket on purpose: another tab of this session (a duplicated
        // tab copies sessionStorage) took the seat. The call goes on there, not here.
        if (reason === 'io server disconnect') void this.hangup('replaced');
      }),
    );
  }

  /** After a socket reconnect: take the seat back, keeping the peer connection. */
  async #rejoin(signaling: CallSignaling): Promise<void> {
    let answer: JoinOk;
    try {
      answer = await this.#join(signaling, true);
    } catch (error) {
      // Signaling trouble never ends a call: media flows peer to peer. Try again while connected.
      if (this.#signaling !== signaling) return;
      this.#report(error);
      setTimeout(() => {
        if (this.#signaling === signaling && signaling.connected) void this.#rejoin(signaling);
      }, REJOIN_RETRY_MS);
      return;
    }
    if (this.#signaling !== signaling) return;
    try {
      this.#serverIce(answer.iceServers);
    } catch (error) {
      this.#fail(error);
      return;
    }
    const [peer] = answer.peers;
    const live = this.peer && !['closed', 'failed'].includes(this.peer.pc.connectionState);
    if (!peer) {
      // A restarted server (or another node) has not seen the peer rejoin yet: keep a live
      // connection; its peer-join {resumed} or peer-leave will follow.
      if (!live) {
        this.#closePeer();
        this.#setState('waiting');
      }
    } else if (peer !== this.#peerId || !this.peer) {
      this.#startPeer(peer, answer.polite, true);
    } else if (this.peer.pc.connectionState !== 'connected') {
      this.peer.resendOffer(); // an offer sent while we were away was lost
      void this.#restartIce(this.peer); // so were the candidates trickled meanwhile
    }
  }

  #onPeerJoin(event: PeerJoin): void {
    // A signaling blip of a peer we were talking to: media never stopped. A connection that never
    // came up (its offer went to a seat that was away) is made anew instead.
    const established = this.peer && ['connected', 'disconnected'].includes(this.peer.pc.connectionState);
    if (event.resumed && event.peer === this.#peerId && established) return;
    this.#startPeer(event.peer, event.polite, false);
    this.#target.dispatchEvent(new RtcPeerJoinEvent(event.peer));
  }

  #onPeerLeave(event: PeerLeave): void {
    if (event.peer !== this.#peerId) return;
    this.#closePeer();
    this.#target.dispatchEvent(new RtcPeerLeaveEvent(event.peer, event.reason));
    this.#setState('waiting');
  }

  #onSignal(event: RelayedSignal): void {
    if (!this.peer || event.from !== this.#peerId) return;
    const { from: _from, ...signal } = event;
    void this.peer.receive(signal);
  }

  // ---- the peer connection ----

  /** A connection to `peerId`; the side that joined second (`initiator`) offers first. */
  #startPeer(peerId: string, polite: boolean, initiator: boolean): void {
    this.#closePeer();
    const signaling = this.#signaling!;
    this.#peerId = peerId;
    const local = this.#media.stream;
    const peer = new PeerSession({
      polite,
      initiator,
      localStream: local,
      rtcConfiguration: {
        iceServers: this.#settings.iceServers ?? this.#iceServers,
        iceTransportPolicy: this.#settings.iceTransportPolicy,
      },
      send: (signal) => {
        signaling.signal(signal).catch((error: unknown) => this.#report(error));
      },
    });
    this.peer = peer;
    if (this.screenStream) void peer.setLocalTrack('video', this.screenStream.getVideoTracks()[0]!, this.screenStream);
    peer.addEventListener('remote-track', () => this.#changed());
    peer.addEventListener('connection-state', () => this.#onConnectionState(peer));
    peer.addEventListener('negotiation-error', () => this.#report(peer.lastError));
    const chatChannel = (): void => {
      if (this.chat) this.chat.attach(peer.channel, peerId);
      else this.#heldChannel = new HeldChannel(peer.channel);
    };
    chatChannel();
    peer.addEventListener('channel', chatChannel);
    // The control channel announces this side's media on every open, a remade one too.
    const control = (): void => {
      peer.control.addEventListener('open', () => this.#sendMediaState());
      peer.control.addEventListener('message', ({ data }) => {
        const state = decodeMediaState(data);
        if (!state || peer !== this.peer) return;
        this.remoteMedia = state;
        this.#target.dispatchEvent(new RtcMediaChangeEvent(this.localMedia, state));
        this.#changed();
      });
    };
    control();
    peer.addEventListener('control', control);
    this.#setState('connecting');
  }

  #onConnectionState(peer: PeerSession): void {
    if (peer !== this.peer) return;
    switch (peer.pc.connectionState) {
      case 'connected':
        this.#brokenSince = null;
        clearTimeout(this.#iceTimer);
        this.#setState('connected');
        break;
      case 'disconnected':
        this.#broken(peer, DISCONNECTED_GRACE_MS);
        break;
      case 'failed':
        this.#broken(peer, 0);
        break;
      default:
        break;
    }
  }

  /** The path broke: show `reconnecting` and restart ICE after `delay` unless it heals by itself. */
  #broken(peer: PeerSession, delay: number): void {
    if (this.state === 'connected' || this.state === 'connecting') this.#setState('reconnecting');
    this.#brokenSince ??= performance.now();
    clearTimeout(this.#iceTimer);
    this.#iceTimer = setTimeout(() => void this.#restartIce(peer), delay);
  }

  /** ICE restart with fresh credentials (coturn checks expiry only when an allocation is made). */
  async #restartIce(peer: PeerSession): Promise<void> {
    if (peer !== this.peer || peer.pc.connectionState === 'connected') return;
    if (this.#brokenSince !== null && performance.now() - this.#brokenSince > GIVE_UP_MS) {
      this.#fail(new CallFailure('ice-failed', 'The connection to the other person broke and could not be restored.'));
      return;
    }
    let fresh;
    try {
      if (!this.#settings.iceServers && this.#signaling?.connected)
        fresh = (await this.#signaling.iceServers()).iceServers;
    } catch (error) {
      this.#report(error);
    }
    if (peer !== this.peer) return;
    try {
      if (fresh) this.#serverIce(fresh);
    } catch (error) {
      this.#fail(error);
      return;
    }
    const iceServers = this.#settings.iceServers ?? this.#iceServers;
    this.#restarts += 1;
    peer.restartIce({ iceServers, iceTransportPolicy: this.#settings.iceTransportPolicy });
    // If this restart does not bring the path back, try again.
    clearTimeout(this.#iceTimer);
    this.#iceTimer = setTimeout(() => void this.#restartIce(peer), RESTART_CHECK_MS);
  }

  #closePeer(): void {
    this.chat?.detach();
    this.#heldChannel = null;
    this.peer?.close();
    this.peer = null;
    this.#peerId = null;
    this.remoteMedia = null;
    this.stats = null;
    this.#statsSample = null;
    this.#brokenSince = null;
    clearTimeout(this.#iceTimer);
    this.#changed();
  }

  // ---- media state ----

  #applyEnabled(): void {
    for (const track of this.#media.stream?.getAudioTracks() ?? []) track.enabled = this.micEnabled;
    for (const track of this.#media.stream?.getVideoTracks() ?? []) track.enabled = this.cameraEnabled;
  }

  #sendMediaState(): void {
    const control = this.peer?.control;
    if (control?.readyState === 'open') control.send(encodeMediaState(this.localMedia));
  }

  #mediaChanged(): void {
    this.#sendMediaState();
    this.#target.dispatchEvent(new RtcMediaChangeEvent(this.localMedia, this.remoteMedia));
    this.#changed();
  }

  // ---- timers tied to states ----

  #onStateEntered(state: CallState): void {
    clearTimeout(this.#ringTimer);
    const seconds = this.#settings.ringTimeout;
    if (state === 'waiting' && seconds > 0) {
      this.#ringTimer = setTimeout(() => void this.hangup('timeout'), seconds * 1000);
    }
    clearInterval(this.#statsTimer);
    if (state === 'connected') {
      // The first sample waits a second: reading the stats costs the page milliseconds just while
      // the first video frames are on their way. (clearInterval clears this timeout too.)
      const sample = (): void => void this.#sampleStats();
      this.#statsTimer = setTimeout(() => {
        sample();
        this.#statsTimer = setInterval(sample, STATS_INTERVAL_MS);
      }, FIRST_STATS_MS);
    }
  }

  async #sampleStats(): Promise<void> {
    const peer = this.peer;
    if (!peer) return;
    const { sampleStats } = await import('../webrtc/stats.js');
    const { stats, sample } = await sampleStats(peer.pc, this.#statsSample);
    if (peer !== this.peer) return;
    this.#statsSample = sample;
    this.stats = stats;
    this.#target.dispatchEvent(new RtcStatsEvent(stats));
    this.#changed();
  }

  // ---- endings ----

  #teardown(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    this.#ready = false;
    this.#deferred = [];
    clearTimeout(this.#ringTimer);
    clearInterval(this.#statsTimer);
    this.#closePeer();
    for (const track of this.screenStream?.getTracks() ?? []) track.stop();
    this.screenStream = null;
    this.#media.stop();
    this.#signaling = null;
  }

  #fail(error: unknown): void {
    const signaling = this.#signaling;
    const callError = toCallError(error);
    this.#teardown();
    this.#releaseSession(true);
    if (signaling) void closeSignaling(signaling);
    this.error = callError;
    this.#target.dispatchEvent(new RtcErrorEvent(callError.code, callError.message));
    this.#setState('failed');
  }

  /** A non-fatal problem: reported as an event, the call goes on. */
  #report(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    const code = error instanceof SignalingError ? error.code : 'negotiation';
    this.#target.dispatchEvent(new RtcErrorEvent(code, message));
  }

  /** The chat's code, loaded once. */
  #loadChat(): Promise<ChatCode> {
    // A chunk that failed to load (the network) is asked for again by the next call.
    this.#chatCode ??= this.#loadChatCode().catch((error: unknown) => {
      this.#chatCode = null;
      throw error;
    });
    return this.#chatCode;
  }

  #changed(): void {
    this.dispatchEvent(new Event('change'));
  }

  #setState(state: CallState): void {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.#timeline.push({ at: performance.now() - this.#startedAt, state });
    this.#onStateEntered(state);
    // The page hears of it before the view redraws: what it does in reply (a message sent the
    // moment the call connects, say) goes out ahead of the render's work.
    this.#target.dispatchEvent(new RtcStateChangeEvent(state, previous));
    this.#changed();
  }
}

/** Where the conversation of a seat is kept in the tab's sessionStorage. */
function chatKey(room: string, session: string): string {
  return `rtc-call:chat:${room}:${session}`;
}

/** Frees the seat at once (no grace period for the other side to sit through), then disconnects. */
async function closeSignaling(signaling: CallSignaling): Promise<void> {
  await signaling.leave().catch(() => undefined);
  signaling.close();
}
