import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { UserMedia } from '../call/user-media.js';

export { MediaError, toMediaError, type MediaErrorCode } from '../call/user-media.js';

/**
 * {@link UserMedia} owned by a lit host: the host updates when the stream changes, and every track
 * is stopped when the host leaves the page, so removing the element turns the camera light off.
 */
export class UserMediaController extends UserMedia implements ReactiveController {
  constructor(host: ReactiveControllerHost) {
    super();
    this.addEventListener('change', () => host.requestUpdate());
    host.addController(this);
  }

  hostConnected(): void {}

  hostDisconnected(): void {
    this.stop();
  }
}
