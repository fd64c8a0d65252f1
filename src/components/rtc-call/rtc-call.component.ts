import { LitElement, html, nothing, type PropertyValues } from 'lit';
import { CallController, type CallError, type CallState } from '../../controllers/call-controller.js';
import type { DevicesController } from '../../controllers/devices-controller.js';
import { hasResumableSession } from '../../call/session-store.js';
import { UserMediaController, type MediaError } from '../../controllers/user-media-controller.js';
import { RtcErrorEvent, type DeviceKind, type MediaState } from '../../events/events.js';
import type { ChatMessage } from '../../webrtc/chat-channel.js';
import { en, type CallStrings, type Strings } from '../../i18n/en.js';
import { loadStrings, loadedStrings } from '../../i18n/load-strings.js';
import { loadDevicePicker } from '../../lazy-device-picker.js';
import type { ChatRefusal, chatPanel as ChatPanel } from './chat-panel.js';
import type { CallViewHost } from './call-view.js';
import { styles } from './rtc-call.styles.js';

// The chat panel is a chunk of its own: loaded when the chat first opens, prefetched once connected.
// A failed fetch is tried again by the next update of an open chat.
let chatPanel: typeof ChatPanel | undefined;
let chatLoading: Promise<unknown> | undefined;

function loadChatPanel(): Promise<unknown> {
  chatLoading ??= import('./chat-panel.js').then(
    (module) => (chatPanel = module.chatPanel),
    (error: unknown) => {
      chatLoading = undefined;
      throw error;
    },
  );
  return chatLoading;
}

// The in-call view (controls, badges, settings dialog) is a chunk too: fetched at idle after the
// first render and when joining starts; an in-call update waits for it.
let callView: typeof import('./call-view.js') | undefined;
let callViewLoading: Promise<unknown> | undefined;

function loadCallView(): Promise<unknown> {
  callViewLoading ??= import('./call-view.js').then(
    (module) => (callView = module),
    (error: unknown) => {
      callViewLoading = undefined;
      throw error;
    },
  );
  return callViewLoading;
}

/**
 * When device switching loads: seated and alone, or once connected (the first sound comes after
 * that). Not while connecting, which its fetch and first device reads would slow down.
 */
const DEVICES_FROM = new Set<CallState>(['waiting', 'connected', 'reconnecting']);
/** The states that show the pre-join view (a Join or Try again button). */
const PREJOIN = new Set<CallState>(['idle', 'ended', 'failed']);

/** Runs `work` when the page is idle (in Safari, which has no requestIdleCallback, soon). */
function idle(work: () => void): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(work, { timeout: 2000 });
  else setTimeout(work, 200);
}

/**
 * A 1:1 video call in one element.
 *
 * @fires rtc-state-change - `{state, previous}` whenever the call changes state.
 * @fires rtc-peer-join - the other person took the second seat.
 * @fires rtc-peer-leave - `{reason}` the other person left, dropped, or reloaded.
 * @fires rtc-media-change - `{local, remote}` a microphone, camera or screen share changed.
 * @fires rtc-stats - `{rtt, bitrateIn, bitrateOut, lossIn, candidateType}` every 2 s while connected (the first 1 s after connecting).
 * @fires rtc-message - `{message}` a chat message from the peer.
 * @fires rtc-error - `{code, message}` for every error, fatal or not.
 * @fires rtc-device-change - `{kind, deviceId}` a device was chosen, or replaced one that went away.
 *
 * @csspart local-video - this side's camera (muted, mirrored).
 * @csspart remote-video - the other person's video.
 * @csspart start-audio-button - "Tap to hear": shown when the browser refused to play the other person's sound without a gesture (autoplay rules).
 * @csspart controls - the row of call buttons.
 * @csspart join-button - "Join call" (or "Try again") before joining and after the call.
 * @csspart mic-button - microphone on/off (a toggle: `aria-pressed`).
 * @csspart camera-button - camera on/off (a toggle).
 * @csspart chat-button - opens the chat (a toggle; a badge counts unread messages).
 * @csspart more-button - on a narrow box, opens the menu of the other controls.
 * @csspart screen-button - shares a screen instead of the camera (a toggle).
 * @csspart settings-button - opens the settings: devices, diagnostics (a toggle).
 * @csspart fullscreen-button - the call full screen (a toggle).
 * @csspart pip-button - the other person's video picture-in-picture (a toggle).
 * @csspart hangup-button - ends the call.
 * @csspart close-settings-button - closes the settings.
 * @csspart status - the state line, also a live region.
 * @csspart chat - the chat panel: a side panel on a wide box, a sheet over the video on a narrow one.
 * @csspart message - one message of the chat.
 * @csspart settings - the settings dialog, over the video.
 * @csspart call-timer - how long the call has been up.
 * @csspart remote-placeholder - over the other person's video while their camera is off.
 * @csspart poor-connection - "Poor connection", while the stats say so.
 *
 * @cssproperty --rtc-call-background - background of the widget.
 * @cssproperty --rtc-call-color - text colour.
 * @cssproperty --rtc-call-radius - corner radius.
 * @cssproperty --rtc-call-font - font shorthand.
 * @cssproperty --rtc-call-accent - background of the join button and of pressed toggles.
 * @cssproperty --rtc-call-danger - background of the hang-up button.
 * @cssproperty --rtc-call-focus - focus ring colour.
 */
export class RtcCall extends LitElement {
  static override styles = styles;

  /**
   * The signaling server of every `<rtc-call>` without a `signaling` attribute. The drop-in script
   * sets it to the origin it was loaded from; with the npm package it stays empty until you set it.
   */
  static defaultSignaling = '';

  static override properties = {
    room: { type: String },
    signaling: { type: String },
    token: { type: String },
    autojoin: { type: Boolean },
    audioOnly: { type: Boolean, attribute: 'audio-only' },
    ringTimeout: { type: Number, attribute: 'ring-timeout' },
    noChat: { type: Boolean, attribute: 'no-chat' },
    lang: { type: String },
    strings: { attribute: false },
    iceServers: { attribute: false },
    iceTransportPolicy: { attribute: false },
    notice: { state: true },
    chatOpen: { state: true },
    settingsOpen: { state: true },
    moreOpen: { state: true },
    chatError: { state: true },
  };

  /** Room name shared by the two people of the call. */
  room = '';
  /** Signaling server URL; empty means {@link RtcCall.defaultSignaling}. */
  signaling = '';
  /** Join token, when the server requires one. */
  token = '';
  /** Join as soon as the element is on the page (no preview, no Join button). */
  autojoin = false;
  /** Never ask for a camera. */
  audioOnly = false;
  /** Seconds alone in the room before the call ends with `endReason = 'timeout'`; 0 waits forever. */
  ringTimeout = 0;
  /** Hide the text chat. */
  noChat = false;
  /** Replacements for any of the built-in strings. */
  strings: Partial<Strings> | null = null;
  /** ICE servers to use instead of the ones the server hands out. */
  iceServers: RTCIceServer[] | null = null;
  /** `'relay'` forces every path through TURN (diagnostics, privacy). */
  iceTransportPolicy: RTCIceTransportPolicy = 'all';
  /** A one-off message for the live region (copy result, new chat message). */
  protected notice = '';
  /** Whether the chat panel is shown. */
  protected chatOpen = false;
  /** Whether the device settings (an embedded `<rtc-device-picker>`) are shown. */
  protected settingsOpen = false;
  /** Whether the "more" menu is open (narrow boxes). */
  protected moreOpen = false;
  /** Why the last message could not be sent, shown under the input. */
  protected chatError: ChatRefusal | null = null;

  readonly #media = new UserMediaController(this);
  // Alone in the room, the call waits for device switching too (the speaker must be the chosen
  // one before anyone is heard); with someone there, it loads once connected (DEVICES_FROM).
  readonly #call = new CallController(this, this.#media, () => this.#loadDevices());
  #started = false;
  #unread = 0;
  #stickToBottom = true;
  // The browser refused to play the other person's sound until a gesture (see #play).
  #audioBlocked = false;

  // Devices (issue 6): camera and microphone follow the choice without renegotiation, the remote
  // audio plays on the chosen speaker, and a device that goes away falls back to the default. The
  // code (a chunk of the drop-in) loads once waiting or connected (DEVICES_FROM), or with a choice.
  // The camera itself starts on the remembered devices without it (call/remembered-devices.ts).
  #devices: Promise<DevicesController> | null = null;

  #loadDevices(): Promise<DevicesController> {
    this.#devices ??= import('../../controllers/devices-controller.js').then(
      ({ DevicesController }) => {
        const devices = new DevicesController(this, {
          stream: () => this.#media.stream,
          peerConnection: () => this.peerConnection,
          cameraOff: () => !this.cameraEnabled,
          sink: () => this.renderRoot.querySelector<HTMLVideoElement>('video.remote-view'),
          listOnConnect: false, // the list is read when the stream comes, after the camera started
        });
        this.requestUpdate(); // its hostUpdated() puts the stream on the remembered devices
        return devices;
      },
      (error: unknown) => {
        this.#devices = null; // the network: asked for again next time
        throw error;
      },
    );
    return this.#devices;
  }

  /**
   * Switches camera, microphone or speaker, mid-call without renegotiation (mute state carries
   * over), and remembers the choice for the next visit. Fires `rtc-device-change`.
   */
  async setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    return (await this.#loadDevices()).select(kind, deviceId);
  }

  /** Current state of the call. */
  get state(): CallState {
    return this.#call.state;
  }

  /** The fatal error that put the call in `failed`, or null. */
  get error(): CallError | null {
    return this.#call.error;
  }

  /** Why the call ended: `hangup`, `timeout`, or `replaced` (another tab took this seat); null until it ends. */
  get endReason(): string | null {
    return this.#call.endReason;
  }

  /** This side's camera and microphone. */
  get localStream(): MediaStream | null {
    return this.#media.stream;
  }

  /** The other person's audio and video. */
  get remoteStream(): MediaStream | null {
    return this.#call.remoteStream;
  }

  /** The RTCPeerConnection to the other person, for diagnostics. */
  get peerConnection(): RTCPeerConnection | null {
    return this.#call.peer?.pc ?? null;
  }

  /** What the other person says they send (`{audio, video, screen}`), or null before they said. */
  get remoteMedia(): MediaState | null {
    return this.#call.remoteMedia;
  }

  /** Whether the microphone is on. */
  get micEnabled(): boolean {
    return this.#call.micEnabled;
  }

  /** Whether the camera picture is on. */
  get cameraEnabled(): boolean {
    return this.#call.cameraEnabled;
  }

  /** The text chat, oldest first: `{id, text, from, at, status}`. */
  get messages(): readonly ChatMessage[] {
    return this.#call.messages;
  }

  /** The chat's RTCDataChannel, for diagnostics. */
  get dataChannel(): RTCDataChannel | null {
    return this.#call.peer?.channel ?? null;
  }

  /**
   * Sends a chat message. Resolves with it once the peer has it; rejects with a `ChatError`
   * (`code`: too-long, empty, outbox-full, rate-limited, closed) when refused.
   */
  sendMessage(text: string): Promise<ChatMessage> {
    return this.#call.sendMessage(text);
  }

  /** Joins the room. */
  join(): Promise<void> {
    loadCallView().catch(() => undefined); // with the camera and the server
    return this.#call.join(this.signaling || RtcCall.defaultSignaling);
  }

  /** Ends the call and releases camera, microphone and connection. */
  hangup(): Promise<void> {
    return this.#call.hangup();
  }

  /** Mutes (false) or unmutes (true) the microphone. */
  setMicEnabled(enabled: boolean): void {
    this.#call.setMicEnabled(enabled);
  }

  /** Turns the camera picture off (false) or on (true). */
  setCameraEnabled(enabled: boolean): void {
    this.#call.setCameraEnabled(enabled);
  }

  /** Shares a screen (or window) instead of the camera. */
  startScreenShare(): Promise<void> {
    return this.#call.startScreenShare();
  }

  /** Goes back to the camera. */
  stopScreenShare(): Promise<void> {
    return this.#call.stopScreenShare();
  }

  /** A redacted diagnostics report (JSON text): states, timings, candidate types, browser. */
  diagnostics(): string {
    return this.#call.diagnostics();
  }

  constructor() {
    super();
    // Once connected, the features a call may open are fetched while the page is idle, so opening
    // them never waits on the network (and the fetch does not compete with the join itself).
    this.addEventListener('rtc-state-change', (event) => {
      if (event.state !== 'connected') return;
      const prefetch = (): void => {
        if (!this.noChat) loadChatPanel().catch(() => undefined);
        loadDevicePicker().catch(() => undefined);
      };
      idle(prefetch);
    });
    this.addEventListener('fullscreenchange', () => this.requestUpdate());
    this.addEventListener('rtc-message', (event) => {
      const t = this.#strings();
      if (!this.chatOpen || document.hidden) this.#unread += 1;
      // A function, not a string: `$&` and the like in peer text would expand in a replacement string.
      this.notice = t['chat.new'].replace('{text}', () => event.message.text.slice(0, 200));
    });
    // The conversation is drawn only while the chat is open (a closed one costs no redraw per
    // message or acknowledgement; the unread count follows rtc-message above).
    this.#call.addEventListener('chat-change', () => {
      if (this.chatOpen) this.requestUpdate();
    });
  }

  /**
   * An update that needs a chunk waits for it, so no frame shows less than it should: a Chinese
   * page renders in Chinese from its first frame, an opened chat with its panel, opened settings
   * with the picker defined, an in-call frame with its controls. (The in-call view is fetched at idle
   * after the first render, chat and picker once connected, so the wait is rare.)
   */
  protected override async scheduleUpdate(): Promise<void> {
    if (!loadedStrings(this.#lang())) await loadStrings(this.#lang());
    if (!callView && (this.settingsOpen || !PREJOIN.has(this.#call.state))) await loadCallView().catch(() => undefined);
    if (this.chatOpen && !chatPanel) await loadChatPanel().catch(() => undefined);
    if (this.settingsOpen) await loadDevicePicker().catch(() => undefined);
    super.scheduleUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#started = false;
  }

  protected override firstUpdated(changed: PropertyValues): void {
    super.firstUpdated(changed);
    idle(() => loadCallView().catch(() => undefined));
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    // An opened dialog takes the focus (its close button), as a dialog does.
    if (changed.has('settingsOpen') && this.settingsOpen) {
      this.renderRoot.querySelector<HTMLElement>('[part="close-settings-button"]')?.focus();
    }
    // The remote video's speaker must be the chosen one before the other person is heard. Made
    // late, the controller still puts the stream on the devices there are (a devicechange before
    // it is not lost). A failed fetch is tried again at the next update.
    if (DEVICES_FROM.has(this.#call.state) && !this.#devices) this.#loadDevices().catch(() => undefined);
    this.#attach('video.self-view', this.#call.screenStream ?? this.#media.stream);
    const remote = this.#attach('video.remote-view', this.#call.remoteStream);
    if (remote) {
      this.#audioBlocked = false;
      if (remote.srcObject) this.#play(remote);
    }
    const list = this.renderRoot.querySelector('.messages');
    if (list && this.#stickToBottom) list.scrollTop = list.scrollHeight;
    // Starts once the room is known (a page may set it after the element is defined).
    if (!this.#started && this.room && this.isConnected) {
      this.#started = true;
      // A reload in the middle of a call comes back to it: the tab still holds the session.
      if (this.autojoin || hasResumableSession(this.room)) void this.join();
      else void this.#call.preview();
    }
  }

  #attach(selector: string, stream: MediaStream | null): HTMLVideoElement | void {
    const video = this.renderRoot.querySelector<HTMLVideoElement>(selector);
    if (video && video.srcObject !== stream) {
      video.srcObject = stream;
      return video;
    }
  }

  /**
   * Plays the other person's media with sound. Where autoplay rules refuse sound without a gesture
   * (Safari, iOS, Chromium on a page that captures nothing), `play()` rejects with NotAllowedError:
   * the video then plays muted, which every engine allows, and "Tap to hear" asks for the gesture.
   */
  #play(video: HTMLVideoElement): void {
    video.muted = false;
    video.play().then(
      () => this.#setAudioBlocked(false),
      (error: DOMException) => {
        if (error.name != 'NotAllowedError' || video.srcObject != this.#call.remoteStream) return;
        video.muted = true;
        video.play().catch(() => {});
        this.#setAudioBlocked(true);
      },
    );
  }

  #setAudioBlocked(blocked: boolean): void {
    if (this.#audioBlocked == blocked) return;
    this.#audioBlocked = blocked;
    if (blocked) this.notice = this.#strings()['action.start-audio'];
    this.requestUpdate();
  }

  #lang(): string {
    return this.lang || this.closest('[lang]')?.getAttribute('lang') || navigator.language;
  }

  #strings(): CallStrings {
    const base = loadedStrings(this.#lang()) ?? en;
    return this.strings ? { ...base, ...this.strings } : base;
  }

  // ---- what the in-call view (call-view.ts, CallViewHost) reads and calls ----

  /** @internal Messages from the peer not seen yet. */
  protected get unread(): number {
    return this.#unread;
  }

  /** @internal Whether this side shares a screen. */
  protected get sharing(): boolean {
    return !!this.#call.screenStream;
  }

  /** @internal The last stats sample. */
  protected get callStats() {
    return this.#call.stats;
  }

  /** @internal The language the element speaks. */
  protected get viewLang(): string {
    return this.#lang();
  }

  /** @internal */
  protected async copyDiagnostics(): Promise<void> {
    const t = this.#strings();
    try {
      await navigator.clipboard.writeText(this.diagnostics());
      this.notice = t['notice.copied'];
    } catch {
      this.notice = t['notice.copy-failed'];
    }
  }

  /** @internal */
  protected async toggleScreen(): Promise<void> {
    try {
      if (this.#call.screenStream) await this.stopScreenShare();
      else await this.startScreenShare();
    } catch (error) {
      // Told on screen and, like every error, as an rtc-error with its code.
      this.notice = this.#strings()['notice.screen-failed'];
      const { code = 'negotiation', message } = error as MediaError;
      this.dispatchEvent(new RtcErrorEvent(code, message));
    }
  }

  /** @internal */
  protected toggleChat(): void {
    this.chatOpen = !this.chatOpen;
    if (this.chatOpen) {
      this.#unread = 0;
      this.#stickToBottom = true;
    }
  }

  #chat(t: CallStrings) {
    // Loaded before this update (scheduleUpdate); missing only when it could not be fetched.
    if (!chatPanel) return nothing;
    return chatPanel(t, {
      root: this.renderRoot as ShadowRoot,
      messages: this.#call.messages,
      refusal: this.chatError,
      unsaved: !!this.#call.chat?.unsaved,
      sendMessage: (text) => this.sendMessage(text),
      refused: (refusal) => (this.chatError = refusal),
      sent: () => (this.#stickToBottom = true),
      scrolled: (atBottom) => (this.#stickToBottom = atBottom),
    });
  }

  #statusText(t: CallStrings): string {
    const error = this.#call.error;
    if (error) return t[`error.${error.code}`];
    if (this.#call.endReason === 'replaced') return t['state.replaced'];
    return t[`state.${this.#call.state}`];
  }

  /** Says so when the machine had less than asked for (no camera, or no devices at all). */
  #mediaHint(t: CallStrings): string {
    const local = this.#media.stream;
    if (!local) return t['notice.no-devices'];
    if (!this.audioOnly && !local.getVideoTracks().length) return t['notice.audio-only'];
    return '';
  }

  #controls(t: CallStrings, state: CallState) {
    if (PREJOIN.has(state)) {
      const label = state === 'failed' ? t['action.retry'] : t['action.join'];
      return html`<button type="button" class="join" part="join-button" @click=${() => this.join()}>${label}</button>
        <button
          type="button"
          part="settings-button"
          aria-pressed=${this.settingsOpen}
          @click=${() => (this.settingsOpen = !this.settingsOpen)}
        >
          ${t['action.settings']}
        </button>`;
    }
    // The in-call view's chunk came before this update (scheduleUpdate); without it (it could
    // not be fetched) the call can still be left.
    return callView
      ? callView.callControls(t, this as unknown as CallViewHost)
      : html`<button type="button" @click=${() => this.hangup()}>${t['action.hangup']}</button>`;
  }

  protected override render() {
    const t = this.#strings();
    const state = this.#call.state;
    const prejoin = PREJOIN.has(state);
    const localVideoOff =
      !this.#call.screenStream && (!this.cameraEnabled || !this.#media.stream?.getVideoTracks().length);
    // The videos say tabindex -1: Firefox makes a Tab stop of a video without controls, with nothing to do there.
    return html`
      <div class="call" part="base">
        <div class="frame ${prejoin ? 'prejoin' : ''} ${this.chatOpen && !this.noChat && !prejoin ? 'chat-open' : ''}">
          <div class="stage">
            <video
              class="remote-view"
              part="remote-video"
              autoplay
              playsinline
              tabindex="-1"
              aria-label=${t['video.remote']}
              @leavepictureinpicture=${() => this.requestUpdate()}
            ></video>
            ${prejoin || !callView ? nothing : callView.callOverlays(t, this as unknown as CallViewHost)}
            <video
              class="self-view ${this.#call.screenStream ? 'screen' : ''}"
              part="local-video"
              autoplay
              playsinline
              muted
              tabindex="-1"
              ?hidden=${localVideoOff}
              aria-label=${t['video.local']}
            ></video>
            ${
              this.#audioBlocked
                ? html`<button
                    type="button"
                    class="start-audio"
                    part="start-audio-button"
                    @click=${() => this.#play(this.renderRoot.querySelector('video.remote-view')!)}
                  >
                    ${t['action.start-audio']}
                  </button>`
                : nothing
            }
          </div>
          <div class="status" part="status" role="status" aria-live="polite">
            ${this.#statusText(t)} ${prejoin ? nothing : this.#mediaHint(t)}
          </div>
          <div class="controls" part="controls" role="group" aria-label=${t['controls.label']}>
            ${this.#controls(t, state)}
          </div>
          ${this.chatOpen && !this.noChat && !prejoin ? this.#chat(t) : nothing}
          ${this.settingsOpen && callView ? callView.settingsDialog(t, this as unknown as CallViewHost, prejoin) : nothing}
        </div>
        <div class="sr-only" role="status" aria-live="polite">${this.notice}</div>
      </div>
    `;
  }
}
