import { LitElement, html, type PropertyValues } from 'lit';
import { CallController, type CallError, type CallState } from '../../controllers/call-controller.js';
import { DevicesController, type DeviceKind } from '../../controllers/devices-controller.js';
import { UserMediaController } from '../../controllers/user-media-controller.js';
import { stringsFor } from '../../i18n/index.js';
import { styles } from './rtc-call.styles.js';

// The origin this module was loaded from: the default signaling server of the drop-in bundle.
const SCRIPT_ORIGIN = new URL(import.meta.url).origin;

/**
 * A 1:1 video call in one element.
 *
 * @fires rtc-state-change - `{state, previous}` whenever the call changes state.
 * @fires rtc-peer-join - the other person took the second seat.
 * @fires rtc-peer-leave - `{reason}` the other person left, dropped, or reloaded.
 * @fires rtc-error - `{code, message}` for every error, fatal or not.
 * @fires rtc-device-change - `{kind, deviceId}` a device was chosen, or replaced one that went away.
 *
 * @csspart local-video - this side's camera (muted, mirrored).
 * @csspart remote-video - the other person's video.
 * @csspart controls - the row of call buttons.
 * @csspart status - the state line, also a live region.
 *
 * @cssproperty --rtc-call-background - background of the widget.
 * @cssproperty --rtc-call-color - text colour.
 * @cssproperty --rtc-call-radius - corner radius.
 * @cssproperty --rtc-call-font - font shorthand.
 * @cssproperty --rtc-call-accent - background of the join button.
 * @cssproperty --rtc-call-danger - background of the hang-up button.
 * @cssproperty --rtc-call-focus - focus ring colour.
 */
export class RtcCall extends LitElement {
  static override styles = styles;

  static override properties = {
    room: { type: String },
    signaling: { type: String },
    token: { type: String },
    autojoin: { type: Boolean },
    iceServers: { attribute: false },
    iceTransportPolicy: { attribute: false },
  };

  /** Room name shared by the two people of the call. */
  room = '';
  /** Signaling server URL; defaults to the origin the script was loaded from. */
  signaling = SCRIPT_ORIGIN;
  /** Join token, when the server requires one. */
  token = '';
  /** Join as soon as the element is on the page. */
  autojoin = false;
  /** ICE servers to use instead of the ones the server hands out. */
  iceServers: RTCIceServer[] | null = null;
  /** `'relay'` forces every path through TURN (diagnostics, privacy). */
  iceTransportPolicy: RTCIceTransportPolicy = 'all';

  readonly #media = new UserMediaController(this);
  readonly #call = new CallController(this, this.#media);

  // Devices (issue 6): camera and microphone follow the choice without renegotiation, the remote
  // audio plays on the chosen speaker, and a device that goes away falls back to the default.
  readonly #devices = new DevicesController(this, {
    stream: () => this.#media.stream,
    peerConnection: () => this.peerConnection,
    sink: () => this.renderRoot.querySelector<HTMLVideoElement>('video.remote'),
  });

  /**
   * Switches camera, microphone or speaker, mid-call without renegotiation (mute state carries
   * over), and remembers the choice for the next visit. Fires `rtc-device-change`.
   */
  setDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    return this.#devices.select(kind, deviceId);
  }

  /** Current state of the call. */
  get state(): CallState {
    return this.#call.state;
  }

  /** The fatal error that put the call in `failed`, or null. */
  get error(): CallError | null {
    return this.#call.error;
  }

  /** Why the call ended: `hangup` or `timeout`; null until it ends. */
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

  /** Joins the room. */
  join(): Promise<void> {
    return this.#call.join();
  }

  /** Ends the call and releases camera, microphone and connection. */
  hangup(): Promise<void> {
    return this.#call.hangup();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.autojoin) {
      void this.updateComplete.then(() => {
        if (this.isConnected) void this.join();
      });
    }
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    this.#attach('video.local', this.#media.stream);
    this.#attach('video.remote', this.#call.remoteStream);
  }

  #attach(selector: string, stream: MediaStream | null): void {
    const video = this.renderRoot.querySelector<HTMLVideoElement>(selector);
    if (video && video.srcObject !== stream) video.srcObject = stream;
  }

  protected override render() {
    const t = stringsFor(this.lang || document.documentElement.lang);
    const state = this.#call.state;
    const error = this.#call.error;
    const canJoin = state === 'idle' || state === 'ended' || state === 'failed';
    return html`
      <div class="call" part="base">
        <div class="stage">
          <video class="remote" part="remote-video" autoplay playsinline aria-label=${t['video.remote']}></video>
          <video class="local" part="local-video" autoplay playsinline muted aria-label=${t['video.local']}></video>
        </div>
        <div class="status" part="status" role="status" aria-live="polite">
          ${error ? t[`error.${error.code}`] : t[`state.${state}`]}
        </div>
        <div class="controls" part="controls">
          ${
            canJoin
              ? html`<button class="join" type="button" @click=${() => this.join()}>${t['action.join']}</button>`
              : html`<button class="hangup" type="button" @click=${() => this.hangup()}>${t['action.hangup']}</button>`
          }
        </div>
      </div>
    `;
  }
}
