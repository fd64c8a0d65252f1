import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { RtcDeviceChangeEvent, RtcErrorEvent, type DeviceKind } from '../events/events.js';
import {
  findDevice,
  mediaConstraints,
  rememberDevice,
  rememberedDevice,
  usable,
  type DeviceChoice,
} from '../call/remembered-devices.js';
import { switchTrack } from '../webrtc/switch-track.js';
import { toMediaError } from './user-media-controller.js';

/** A kind of device people can choose (defined with the events that carry it). */
export type { DeviceKind };
export { findDevice, mediaConstraints, rememberDevice, rememberedDevice, type DeviceChoice };

/** Every kind, in the order the picker shows them. */
export const DEVICE_KINDS: readonly DeviceKind[] = ['audioinput', 'videoinput', 'audiooutput'];

const TRACK_KIND = { audioinput: 'audio', videoinput: 'video' } as const;
/** Whether this browser can send audio to a chosen output (`setSinkId`; not Safari, iOS, older Firefox). */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/** What a {@link DevicesController} keeps on the chosen devices, besides listing them. */
export interface DevicesOptions {
  /** The local stream whose camera and microphone tracks follow the choice. */
  stream?: () => MediaStream | null;
  /** The connection sending that stream: switching replaces its senders' tracks. */
  peerConnection?: () => RTCPeerConnection | null;
  /** The element playing the remote audio: its output follows the chosen speaker. */
  sink?: () => HTMLMediaElement | null;
  /** Whether the camera is turned off on purpose (its track stopped): it is then left alone. */
  cameraOff?: () => boolean;
  /**
   * Whether to read the device list as soon as the host is connected (a picker shows it). False
   * (`<rtc-call>`, which only follows the devices): read at once only when a device is remembered,
   * else when following needs it (a `devicechange`, a new stream, a choice); a stream there when
   * the controller comes was opened on the remembered devices and is taken as it is. Default true.
   */
  listOnConnect?: boolean;
}

/**
 * Lists cameras, microphones and speakers, and keeps a stream and a media element on the chosen
 * ones: a choice is remembered per kind, applied without renegotiation, and announced with
 * `rtc-device-change` on the host. When devices come and go (`devicechange`), a device in use
 * that went away is replaced by the default one, and a remembered device that came back is used
 * again; both are announced too.
 */
export class DevicesController implements ReactiveController {
  /** Every device the browser reports; ids and labels are empty until permission is granted. */
  devices: MediaDeviceInfo[] = [];

  readonly #host: ReactiveControllerHost & EventTarget;
  readonly #options: DevicesOptions;
  #connected = false;
  // The speaker chosen on this page; null: the remembered one (or the default).
  #sinkId: string | null = null;
  #sinkPending = false;
  // The managed stream last seen, to notice a new one.
  #stream: MediaStream | null = null;
  // Switches run one at a time: two quick choices must not interleave their getUserMedia calls.
  #queue: Promise<unknown> = Promise.resolve();

  constructor(host: ReactiveControllerHost & EventTarget, options: DevicesOptions = {}) {
    this.#host = host;
    this.#options = options;
    if (options.listOnConnect === false) this.#stream = options.stream?.() ?? null;
    host.addController(this);
  }

  /** Whether the browser hides device names (and ids) until camera or microphone permission is granted. */
  get needsPermission(): boolean {
    return this.devices.length > 0 && this.devices.every((device) => !device.label);
  }

  /** The devices of one kind that can be chosen. */
  list(kind: DeviceKind): MediaDeviceInfo[] {
    return usable(this.devices, kind);
  }

  /** The device in use for `kind`: the live track's in `stream`, else the chosen or remembered one, else the default. */
  active(kind: DeviceKind, stream = this.#options.stream?.()): string {
    if (kind === 'audiooutput') {
      if (this.#sinkId !== null) return this.#sinkId;
    } else {
      const id = stream
        ?.getTracks()
        .find((track) => track.kind === TRACK_KIND[kind])
        ?.getSettings().deviceId;
      if (id) return id;
    }
    return (
      (findDevice(this.devices, kind, rememberedDevice(kind)) ?? defaultDevice(this.devices, kind))?.deviceId ?? ''
    );
  }

  /** Reads the device list again. */
  async refresh(): Promise<MediaDeviceInfo[]> {
    try {
      this.devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
    } catch {
      this.devices = [];
    }
    this.#host.requestUpdate();
    return this.devices;
  }

  /**
   * Chooses a device: switches the stream (or the speaker) to it, remembers it, and fires
   * `rtc-device-change` unless `announce` is false. Rejects when the device cannot be used.
   */
  select(kind: DeviceKind, deviceId: string, announce = true): Promise<void> {
    return this.#serial(async () => {
      await this.#use(kind, deviceId);
      const label = this.devices.find((device) => device.kind === kind && device.deviceId === deviceId)?.label ?? '';
      rememberDevice(kind, { deviceId, label });
      if (announce) this.#host.dispatchEvent(new RtcDeviceChangeEvent(kind, deviceId));
    });
  }

  hostConnected(): void {
    this.#connected = true;
    navigator.mediaDevices?.addEventListener('devicechange', this.#onDeviceChange);
    if (this.#options.listOnConnect !== false || DEVICE_KINDS.some((kind) => rememberedDevice(kind))) {
      void this.refresh();
    }
  }

  hostDisconnected(): void {
    this.#connected = false;
    navigator.mediaDevices?.removeEventListener('devicechange', this.#onDeviceChange);
  }

  hostUpdated(): void {
    const stream = this.#options.stream?.() ?? null;
    if (stream !== this.#stream) {
      this.#stream = stream;
      // A new stream: names are readable now, and its tracks should be on the remembered devices.
      if (stream) this.#onDeviceChange();
    }
    this.#applySink();
  }

  readonly #onDeviceChange = (): void => {
    this.#serial(() => this.#follow()).catch((error: unknown) => {
      const { code, message } = toMediaError(error);
      this.#host.dispatchEvent(new RtcErrorEvent(code, message));
    });
  };

  /** Puts each kind in use on the remembered device if present, else keeps it, else (gone) on the default. */
  async #follow(): Promise<void> {
    const devices = await this.refresh();
    if (!this.#connected || this.needsPermission) return;
    for (const kind of DEVICE_KINDS) {
      let current: string;
      let lost: boolean;
      if (kind === 'audiooutput') {
        const element = this.#sinkElement();
        if (!element) continue;
        current = element.sinkId;
        lost = current !== '' && !this.list(kind).some((device) => device.deviceId === current);
      } else {
        const track = this.#options
          .stream?.()
          ?.getTracks()
          .find((t) => t.kind === TRACK_KIND[kind]);
        if (!track) continue;
        current = track.getSettings().deviceId ?? '';
        // A camera turned off on purpose is left alone (a camera that went away has ended too).
        if (kind === 'videoinput' && this.#options.cameraOff?.()) continue;
        // An ended track is lost even when its id is still listed: 'default' now names another device.
        lost = track.readyState === 'ended' || !this.list(kind).some((device) => device.deviceId === current);
      }
      const target =
        findDevice(devices, kind, rememberedDevice(kind)) ?? (lost ? defaultDevice(devices, kind) : undefined);
      if (!target || (target.deviceId === current && !lost)) continue;
      await this.#use(kind, target.deviceId);
      this.#host.dispatchEvent(new RtcDeviceChangeEvent(kind, target.deviceId));
    }
  }

  async #use(kind: DeviceKind, deviceId: string): Promise<void> {
    if (kind === 'audiooutput') {
      await this.#sinkElement()?.setSinkId(deviceId);
      this.#sinkId = deviceId;
    } else {
      const stream = this.#options.stream?.();
      // A camera turned off stays off (its light too): the choice is remembered, and the camera
      // turned on again is the one that was on.
      const off = kind === 'videoinput' && this.#options.cameraOff?.();
      if (!off && stream?.getTracks().some((track) => track.kind === TRACK_KIND[kind])) {
        const track = await switchTrack({ stream, kind, deviceId, pc: this.#options.peerConnection?.() });
        // Released meanwhile (hang-up, element removed): the new track must not keep the camera on.
        if (this.#options.stream?.() !== stream) track.stop();
      }
    }
    this.#host.requestUpdate();
  }

  /** Puts the remote audio on the chosen speaker, e.g. once the remembered one is known to exist. */
  #applySink(): void {
    const element = this.#sinkElement();
    const id = this.active('audiooutput');
    if (!element || element.sinkId === id || this.#sinkPending) return;
    this.#sinkPending = true;
    element
      .setSinkId(id)
      .catch(() => {
        this.#sinkId = ''; // gone, or not allowed: the system default plays
      })
      .finally(() => {
        this.#sinkPending = false;
      });
  }

  #sinkElement(): HTMLMediaElement | null {
    return canChooseSpeaker() ? (this.#options.sink?.() ?? null) : null;
  }

  #serial(run: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(run);
    this.#queue = next.catch(() => undefined);
    return next;
  }
}

/** The system default of `kind` (Chromium lists it as `default`), else the first one. */
function defaultDevice(devices: readonly MediaDeviceInfo[], kind: DeviceKind): MediaDeviceInfo | undefined {
  const ofKind = usable(devices, kind);
  return ofKind.find((device) => device.deviceId === 'default') ?? ofKind[0];
}
