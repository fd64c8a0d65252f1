import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CallSession, type CallSettings } from '../call/call-session.js';
import { SignalingClient } from '../signaling/signaling-client.js';
import { mediaConstraints } from '../call/remembered-devices.js';
import type { UserMediaController } from './user-media-controller.js';

export type { CallError, CallErrorCode } from '../call/call-errors.js';
/** The states of a call (DESIGN.md §4; defined with the events that carry them). */
export type { CallState } from '../events/events.js';

/** What the call needs from its element: its settings, and a target for the `rtc-…` events. */
export interface CallHost extends ReactiveControllerHost, EventTarget, CallSettings {}

/**
 * A {@link CallSession} owned by a lit host: the host re-renders when the call changes, the
 * call's events are the host's, the signaling is socket.io, and everything is released when the
 * host leaves the page (the seat is freed, the camera light goes off).
 */
export class CallController extends CallSession implements ReactiveController {
  /** `prepare`: what the host wants ready before the call waits alone (see CallSessionOptions). */
  constructor(host: CallHost, media: UserMediaController, prepare?: () => Promise<unknown>) {
    super({
      settings: host,
      media,
      target: host,
      signaling: (url) => new SignalingClient(url),
      constraints: mediaConstraints,
      ...(prepare ? { prepare } : {}),
    });
    this.addEventListener('change', () => host.requestUpdate());
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.close();
  }
}
