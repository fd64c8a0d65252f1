// The public vocabulary of the elements' events. It imports only what lies below it (the wire
// format, the chat and stats types), never a controller: the controllers import it.
import type { MediaState } from '../protocol/control.js';
import type { ChatMessage } from '../webrtc/chat-channel.js';
import type { CallStats } from '../webrtc/stats.js';

export type { MediaState };

/** The states of a call (DESIGN.md §4). */
export type CallState =
  'idle' | 'joining' | 'waiting' | 'connecting' | 'connected' | 'reconnecting' | 'ended' | 'failed';

/** The kinds of device a person can choose (`MediaDeviceInfo.kind`). */
export type DeviceKind = 'audioinput' | 'videoinput' | 'audiooutput';

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

/** Fired when this side's or the peer's microphone, camera or screen share changes. */
export class RtcMediaChangeEvent extends Event {
  readonly local: MediaState;
  readonly remote: MediaState | null;
  constructor(local: MediaState, remote: MediaState | null) {
    super('rtc-media-change', init);
    this.local = local;
    this.remote = remote;
  }
}

/** Fired once for each chat message from the peer. */
export class RtcMessageEvent extends Event {
  readonly message: ChatMessage;
  constructor(message: ChatMessage) {
    super('rtc-message', init);
    this.message = message;
  }
}

/** Fired every 2 s while connected (the first 1 s after connecting) with the connection's figures. */
export class RtcStatsEvent extends Event {
  readonly rtt: number | null;
  readonly bitrateIn: number;
  readonly bitrateOut: number;
  readonly lossIn: number;
  readonly candidateType: string | null;
  constructor(stats: CallStats) {
    super('rtc-stats', init);
    this.rtt = stats.rtt;
    this.bitrateIn = stats.bitrateIn;
    this.bitrateOut = stats.bitrateOut;
    this.lossIn = stats.lossIn;
    this.candidateType = stats.candidateType;
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
    'rtc-media-change': RtcMediaChangeEvent;
    'rtc-stats': RtcStatsEvent;
    'rtc-message': RtcMessageEvent;
    'rtc-device-change': RtcDeviceChangeEvent;
  }
}
