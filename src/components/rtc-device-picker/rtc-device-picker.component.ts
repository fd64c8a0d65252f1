import { LitElement, html, nothing, type PropertyValues } from 'lit';
import {
  DEVICE_KINDS,
  DevicesController,
  canChooseSpeaker,
  mediaConstraints,
  type DeviceKind,
} from '../../controllers/devices-controller.js';
import { PreviewController } from '../../controllers/preview-controller.js';
import { toMediaError, type MediaError } from '../../controllers/user-media-controller.js';
import { enDevices } from '../../i18n/en-devices.js';
import { en, type CallStrings } from '../../i18n/en.js';
import { loadStrings, loadedStrings } from '../../i18n/load-strings.js';
import { styles } from './rtc-device-picker.styles.js';

/** What the picker needs of the `<rtc-call>` it is bound to. */
export interface DeviceCall extends HTMLElement {
  readonly localStream: MediaStream | null;
  setDevice(kind: DeviceKind, deviceId: string): Promise<void>;
}

// Events after which the bound call's stream or devices may have changed.
const CALL_EVENTS = ['rtc-state-change', 'rtc-device-change', 'rtc-media-change'] as const;

/**
 * Choose camera, microphone and speaker, before or during a call, with a live camera preview and a
 * microphone level meter. Binds to an `<rtc-call>` given by `for`, by the `call` property, or by
 * sitting inside one; with none it is a pre-call device check that still remembers the choice.
 *
 * @fires rtc-device-change - `{kind, deviceId}` when a device is chosen or replaces one that went
 *   away; only when not bound to a call (a bound call fires it, so one change is one event).
 *
 * @csspart base - the wrapper.
 * @csspart allow - the button asking for camera and microphone permission.
 * @csspart preview - the camera preview (muted, mirrored).
 * @csspart level - the microphone level meter.
 * @csspart audioinput - the microphone select.
 * @csspart videoinput - the camera select.
 * @csspart audiooutput - the speaker select.
 *
 * @cssproperty --rtc-call-color - text colour.
 * @cssproperty --rtc-call-font - font shorthand.
 * @cssproperty --rtc-call-accent - background of the permission button.
 * @cssproperty --rtc-call-focus - focus ring colour.
 */
export class RtcDevicePicker extends LitElement {
  static override styles = styles;

  static override properties = {
    htmlFor: { type: String, attribute: 'for' },
    kinds: { type: String },
    call: { attribute: false },
  };

  /** Id of the `<rtc-call>` to bind to. */
  htmlFor = '';
  /** Which selects to show, space separated. */
  kinds = 'audioinput videoinput audiooutput';
  /** The call to bind to, overriding `for` and the enclosing call. */
  call: DeviceCall | null = null;

  #bound: DeviceCall | null = null;
  #error: MediaError | null = null;
  #shownStream: MediaStream | null = null;

  readonly #preview: PreviewController = new PreviewController(this, {
    borrowed: () => this.#bound?.localStream ?? null,
    mayOpen: () =>
      !this.#devices.needsPermission &&
      this.#devices.devices.length > 0 &&
      this.#kinds().some((kind) => kind !== 'audiooutput'), // a speaker list alone needs no preview
    constraints: () => {
      const kinds = this.#kinds();
      return mediaConstraints({
        audio: kinds.includes('audioinput') || kinds.includes('audiooutput'),
        video: kinds.includes('videoinput'),
      });
    },
    video: () => this.renderRoot.querySelector('video'),
    meter: () => this.renderRoot.querySelector('meter'),
  });

  // Switches only the preview's own stream: a bound call switches its stream itself.
  readonly #devices = new DevicesController(this, { stream: () => this.#preview.own });

  /** Every camera, microphone and speaker the browser reports (unnamed until permission is granted). */
  get devices(): MediaDeviceInfo[] {
    return this.#devices.devices;
  }

  /** The stream the preview shows (the call's, or one the picker opened); null while not shown. */
  get previewStream(): MediaStream | null {
    return this.#preview.stream;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#bind(null);
  }

  /** A Chinese picker renders in Chinese from its first frame: its strings (a chunk) load first. */
  protected override async scheduleUpdate(): Promise<void> {
    if (!loadedStrings(this.#lang())) await loadStrings(this.#lang());
    super.scheduleUpdate();
  }

  #lang(): string {
    return this.lang || (this.#bound ?? this.#findCall())?.lang || document.documentElement.lang;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    this.#bind(this.#findCall());
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    // The live value on every render: a `selected` attribute stops counting once someone has picked.
    for (const select of this.renderRoot.querySelectorAll('select')) {
      select.value = this.#devices.active(select.name as DeviceKind, this.#bound?.localStream ?? this.#preview.own);
    }
    // A stream appearing means camera and microphone were just allowed: the names are readable now.
    const shown = this.#preview.stream;
    if (shown !== this.#shownStream) {
      this.#shownStream = shown;
      if (shown) void this.#devices.refresh();
    }
  }

  #findCall(): DeviceCall | null {
    if (this.call) return this.call;
    if (this.htmlFor) {
      const root = this.getRootNode() as Document | ShadowRoot;
      return asCall(root.getElementById?.(this.htmlFor) ?? null);
    }
    for (let node = this.parentNode; node; node = node instanceof ShadowRoot ? node.host : node.parentNode) {
      if (node instanceof Element && node.localName === 'rtc-call') return asCall(node);
    }
    return null;
  }

  #bind(call: DeviceCall | null): void {
    if (call === this.#bound) return;
    for (const type of CALL_EVENTS) this.#bound?.removeEventListener(type, this.#onCallEvent);
    this.#bound = call;
    for (const type of CALL_EVENTS) call?.addEventListener(type, this.#onCallEvent);
  }

  readonly #onCallEvent = (): void => this.requestUpdate();

  #kinds(): DeviceKind[] {
    const wanted = this.kinds.split(/\s+/);
    return DEVICE_KINDS.filter((kind) => wanted.includes(kind));
  }

  async #allow(): Promise<void> {
    try {
      await this.#preview.open();
    } catch {
      return; // shown from #preview.error
    }
    await this.#devices.refresh(); // access allowed: the names are readable now
    await this.updateComplete;
    this.renderRoot.querySelector('select')?.focus(); // the button is gone: keep keyboard users in place
  }

  async #choose(kind: DeviceKind, deviceId: string): Promise<void> {
    this.#error = null;
    try {
      if (this.#bound) {
        await this.#bound.setDevice(kind, deviceId);
        await this.#devices.select(kind, deviceId, false); // the call announced it; the preview follows
      } else {
        await this.#devices.select(kind, deviceId);
      }
    } catch (error) {
      this.#error = toMediaError(error);
    }
    this.requestUpdate();
  }

  protected override render() {
    // Its English strings came with it (a chunk); a translation goes over them.
    const t = { ...enDevices, ...(loadedStrings(this.#lang()) ?? en) };
    const kinds = this.#kinds();
    const error = this.#preview.error ?? this.#error;
    const errorLine = error ? html`<p class="error" role="alert">${t[`error.${error.code}`]}</p>` : nothing;
    if (this.#devices.needsPermission) {
      return html`
        <div class="picker" part="base">
          <p>${t['devices.permission']}</p>
          <button type="button" part="allow" @click=${() => this.#allow()}>${t['devices.allow']}</button>
          ${errorLine}
        </div>
      `;
    }
    return html`
      <div class="picker" part="base">
        ${
          kinds.includes('videoinput')
            ? // tabindex -1: Firefox makes a Tab stop of a video without controls, with nothing to do there.
              html`<video
                part="preview"
                autoplay
                muted
                playsinline
                tabindex="-1"
                aria-label=${t['devices.preview']}
              ></video>`
            : nothing
        }
        ${
          kinds.includes('audioinput')
            ? html`<meter part="level" min="0" max="1" value="0" aria-label=${t['devices.level']}></meter>`
            : nothing
        }
        ${kinds.map((kind) => this.#select(kind, t))} ${errorLine}
      </div>
    `;
  }

  #select(kind: DeviceKind, t: CallStrings & typeof enDevices) {
    const name = t[`devices.${kind}`];
    // No speaker select without setSinkId (Safari before 18.4, iOS), nor where no speaker is listed
    // (Firefox lists none without an audio backend, WebKit lists only some): never a dead control.
    if (kind === 'audiooutput' && (!canChooseSpeaker() || !this.#devices.list(kind).length)) {
      return html`<p class="hidden">${t['devices.no-speaker']}</p>`;
    }
    return html`
      <label>
        <span>${name}</span>
        <select
          name=${kind}
          part=${kind}
          @change=${(event: Event) => this.#choose(kind, (event.target as HTMLSelectElement).value)}
        >
          ${this.#devices
            .list(kind)
            .map(
              (device, index) =>
                html`<option value=${device.deviceId}>${device.label || `${name} ${index + 1}`}</option>`,
            )}
        </select>
      </label>
    `;
  }
}

/** `element` if it is an upgraded `<rtc-call>` (or anything with its device API). */
function asCall(element: Element | null): DeviceCall | null {
  return element && typeof (element as Partial<DeviceCall>).setDevice === 'function' ? (element as DeviceCall) : null;
}
