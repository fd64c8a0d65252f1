import type { CallState } from '../controllers/call-controller.js';
import type { DeviceKind } from '../controllers/devices-controller.js';

const init = { bubbles: true, composed: true } as const;

/** Fired when `<rtc-call>` changes state. */
export class RtcStateChangeEvent extends Event {
  readonly state: CallState;
  readonly previous: CallState;
  constructor(state: CallState, previous: CallState) {
    super('rtc-state-change', init);
    this.state = state;
    this.previous = previous;
  }
}

/** Fired when the other seat of the room is taken. */
export class RtcPeerJoinEvent extends Event {
  readonly peer: string;
  constructor(peer: string) {
    super('rtc-peer-join', init);
    this.peer = peer;
  }
}

/** Fired when the other person left, dropped, or reloaded. */
export class RtcPeerLeaveEvent extends Event {
  readonly peer: string;
  readonly reason: 'left' | 'disconnected' | 'replaced';
  constructor(peer: string, reason: 'left' | 'disconnected' | 'replaced') {
    super('rtc-peer-leave', init);
    this.peer = peer;
    this.reason = reason;
  }
}

/** Fired with every error the call reports, fatal or not. */
export class RtcErrorEvent extends Event {
  readonly code: string;
  readonly message: string;
  constructor(code: string, message: string) {
    super('rtc-error', init);
    this.code = code;
    this.message = message;
  }
}

/** Fired when a camera, microphone or speaker was chosen, or replaced one that went away. */
export class RtcDeviceChangeEvent extends Event {
  readonly kind: DeviceKind;
  readonly deviceId: string;
  constructor(kind: DeviceKind, deviceId: string) {
    super('rtc-device-change', init);
    this.kind = kind;
    this.deviceId = deviceId;
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'rtc-state-change': RtcStateChangeEvent;
    'rtc-peer-join': RtcPeerJoinEvent;
    'rtc-peer-leave': RtcPeerLeaveEvent;
    'rtc-error': RtcErrorEvent;
    'rtc-device-change': RtcDeviceChangeEvent;
  }
}
