/** Why local media could not be had, in the public `error.code` vocabulary. */
export type MediaErrorCode = 'permission-denied' | 'device-not-found' | 'device-in-use' | 'unsupported-browser';

/** A getUserMedia failure mapped to a {@link MediaErrorCode}. */
export class MediaError extends Error {
  override name = 'MediaError';
  readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Maps a getUserMedia rejection to the public error vocabulary. */
export function toMediaError(error: unknown): MediaError {
  const name = error instanceof Error ? error.name : '';
  const detail = error instanceof Error ? error.message : String(error);
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return new MediaError('permission-denied', detail);
    case 'NotFoundError':
    case 'OverconstrainedError':
      return new MediaError('device-not-found', detail);
    case 'NotReadableError':
    case 'AbortError':
      return new MediaError('device-in-use', detail);
    default:
      return new MediaError('unsupported-browser', detail);
  }
}

/**
 * The local camera/microphone stream of one call, framework-free: `change` fires whenever
 * {@link stream} is replaced or released. Every track it acquired is stopped by {@link stop}.
 */
export class UserMedia extends EventTarget {
  /** The current local stream, or null. */
  stream: MediaStream | null = null;
  #generation = 0;
  #inflight: Promise<MediaStream | null> | null = null;

  /** Acquires a new stream (stopping the previous one); rejects with a {@link MediaError}. */
  async acquire(constraints: MediaStreamConstraints): Promise<MediaStream> {
    if (!navigator.mediaDevices?.getUserMedia) {
      throw new MediaError('unsupported-browser', 'navigator.mediaDevices.getUserMedia is not available.');
    }
    const generation = this.#generation;
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia(constraints);
    } catch (error) {
      throw toMediaError(error);
    }
    if (generation !== this.#generation) {
      // stop() ran while the browser was asking or starting the camera: the light must go off.
      for (const track of stream.getTracks()) track.stop();
      throw new MediaError('device-in-use', 'Media was released while it was being acquired.');
    }
    this.#release();
    this.stream = stream;
    this.dispatchEvent(new Event('change'));
    return stream;
  }

  /**
   * Acquires what the machine has of `preferred`: camera and microphone, else microphone only (no
   * camera → an audio call), else camera only, else nothing (no devices → join to receive and chat:
   * resolves null). Permission and busy-device errors are not fallen back from: they reject. A
   * second call while one is under way shares it (preview and Join pressed at once).
   */
  acquireAvailable(preferred: MediaStreamConstraints): Promise<MediaStream | null> {
    this.#inflight ??= this.#acquireAvailable(preferred).finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  async #acquireAvailable(preferred: MediaStreamConstraints): Promise<MediaStream | null> {
    const { audio, video } = preferred;
    const attempts = [{ audio, video }, { audio }, { video }].filter((c) => c.audio || c.video);
    for (const constraints of attempts) {
      try {
        return await this.acquire(constraints);
      } catch (error) {
        if (!(error instanceof MediaError) || error.code !== 'device-not-found') throw error;
      }
    }
    this.#release();
    return null;
  }

  /** Stops every local track, including those of an acquisition still under way. */
  stop(): void {
    this.#generation += 1;
    this.#release();
  }

  #release(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    if (this.stream) {
      this.stream = null;
      this.dispatchEvent(new Event('change'));
    }
  }
}
