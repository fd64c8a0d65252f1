import type { DeviceKind } from '../events/events.js';
import type { InputKind } from '../webrtc/switch-track.js';

// The camera, microphone and speaker people chose, remembered per browser (localStorage), and the
// constraints that start the call on them: what joining needs of devices, without the device
// lists and switching (DevicesController, loaded once there is a stream to keep on them).

/** A remembered choice: the id, and the label to find the device again where ids rotate (Safari). */
export interface DeviceChoice {
  deviceId: string;
  label: string;
}

const STORAGE_PREFIX = 'rtc-call:device:';

/** The choice remembered for `kind`, or null (none yet, or storage is blocked). */
export function rememberedDevice(kind: DeviceKind): DeviceChoice | null {
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_PREFIX + kind) ?? 'null') as Partial<DeviceChoice> | null;
    if (typeof value?.deviceId === 'string' && typeof value.label === 'string') {
      return { deviceId: value.deviceId, label: value.label };
    }
  } catch {
    // Storage blocked (sandboxed frame, some private modes) or a value we did not write.
  }
  return null;
}

/** Remembers `choice` for `kind` in `localStorage`, so the next visit starts with it. */
export function rememberDevice(kind: DeviceKind, choice: DeviceChoice): void {
  try {
    localStorage.setItem(STORAGE_PREFIX + kind, JSON.stringify(choice));
  } catch {
    // Storage blocked: the choice lasts as long as the page.
  }
}

/**
 * getUserMedia constraints for the remembered camera and microphone where they are present, else
 * for any. `exact`, because Chromium does not honour an `ideal` (or bare) device id. With nothing
 * remembered (a first visit) they come at once, so the camera starts in the same task.
 */
export function mediaConstraints({ audio = true, video = true } = {}):
  MediaStreamConstraints | Promise<MediaStreamConstraints> {
  const remembered = {
    audioinput: audio && rememberedDevice('audioinput'),
    videoinput: video && rememberedDevice('videoinput'),
  };
  const constraints = (devices: MediaDeviceInfo[]): MediaStreamConstraints => {
    const prefer = (kind: InputKind): true | MediaTrackConstraints => {
      const device = findDevice(devices, kind, remembered[kind] || null);
      return device ? { deviceId: { exact: device.deviceId } } : true;
    };
    return { audio: audio && prefer('audioinput'), video: video && prefer('videoinput') };
  };
  if (!remembered.audioinput && !remembered.videoinput) return constraints([]);
  return (navigator.mediaDevices?.enumerateDevices() ?? Promise.resolve([])).then(constraints, () => constraints([]));
}

/** The device of `choice` among `devices`: by id, else by label (ids rotate in some browsers). */
export function findDevice(
  devices: readonly MediaDeviceInfo[],
  kind: DeviceKind,
  choice: DeviceChoice | null,
): MediaDeviceInfo | undefined {
  if (!choice) return undefined;
  const ofKind = usable(devices, kind);
  return (
    ofKind.find((device) => device.deviceId === choice.deviceId) ??
    (choice.label ? ofKind.find((device) => device.label === choice.label) : undefined)
  );
}

/** Devices of `kind` with an id: before permission browsers list placeholders with none. */
export function usable(devices: readonly MediaDeviceInfo[], kind: DeviceKind): MediaDeviceInfo[] {
  return devices.filter((device) => device.kind === kind && device.deviceId);
}
