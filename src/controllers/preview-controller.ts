import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { toMediaError, type MediaError } from './user-media-controller.js';

/** Where a {@link PreviewController} gets its stream and shows it. */
export interface PreviewOptions {
  /** A stream someone else owns (the call's), shown instead of opening the devices again. */
  borrowed: () => MediaStream | null;
  /** Whether the preview may open camera and microphone on its own (no permission prompt would show). */
  mayOpen: () => boolean;
  /** What to open. */
  constraints: () => MediaStreamConstraints | Promise<MediaStreamConstraints>;
  video: () => HTMLVideoElement | null;
  meter: () => HTMLMeterElement | null;
}

/**
 * A camera preview and a microphone level meter (Web Audio analyser) that run only while the host
 * is on screen: hidden, scrolled away, in a background tab or removed, the camera it opened is
 * stopped and the audio graph closed. A borrowed stream is shown but never stopped.
 */
export class PreviewController implements ReactiveController {
  /** The stream this controller opened itself, if any. */
  own: MediaStream | null = null;
  /** Why the devices could not be opened, until the next {@link open}. */
  error: MediaError | null = null;

  readonly #host: ReactiveControllerHost & Element;
  readonly #options: PreviewOptions;
  #observer: IntersectionObserver | null = null;
  #intersecting = false;
  #opening: Promise<MediaStream> | null = null;
  #meter: LevelMeter | null = null;

  constructor(host: ReactiveControllerHost & Element, options: PreviewOptions) {
    this.#host = host;
    this.#options = options;
    host.addController(this);
  }

  /** Whether the host is on screen, in a visible tab. */
  get shown(): boolean {
    return this.#intersecting && document.visibilityState === 'visible';
  }

  /** The stream on show: borrowed or own; null while not shown. */
  get stream(): MediaStream | null {
    return this.shown ? (this.#options.borrowed() ?? this.own) : null;
  }

  /** Opens camera and microphone for the preview, asking for permission if the browser must. */
  open(): Promise<MediaStream> {
    this.#opening ??= (async () => {
      try {
        const stream = await navigator.mediaDevices.getUserMedia(await this.#options.constraints());
        this.error = null;
        this.#stopOwn();
        this.own = stream;
        if (!this.#observer) this.#stopOwn(); // the host left the page meanwhile
        return stream;
      } catch (error) {
        this.error = toMediaError(error);
        throw this.error;
      } finally {
        this.#opening = null;
        this.#host.requestUpdate();
      }
    })();
    return this.#opening;
  }

  hostConnected(): void {
    this.#observer = new IntersectionObserver((entries) => {
      this.#intersecting = entries.at(-1)?.isIntersecting ?? false;
      this.#host.requestUpdate();
    });
    this.#observer.observe(this.#host);
    document.addEventListener('visibilitychange', this.#onVisibility);
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
    this.#observer = null;
    this.#intersecting = false;
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#stopOwn();
    this.#level(null);
  }

  hostUpdated(): void {
    if (!this.shown || this.#options.borrowed()) this.#stopOwn();
    else if (!this.own && !this.#opening && !this.error && this.#options.mayOpen()) this.open().catch(() => undefined);
    const stream = this.stream;
    const video = this.#options.video();
    if (video && video.srcObject !== stream) video.srcObject = stream;
    this.#level(stream?.getAudioTracks().find((track) => track.readyState === 'live') ?? null);
  }

  readonly #onVisibility = (): void => this.#host.requestUpdate();

  #stopOwn(): void {
    for (const track of this.own?.getTracks() ?? []) track.stop();
    this.own = null;
  }

  /** Meters `track`, or nothing; the meter is rebuilt when the microphone changes. */
  #level(track: MediaStreamTrack | null): void {
    if (this.#meter?.track === track) return;
    this.#meter?.close();
    this.#meter = null;
    const show = (level: number): void => {
      const meter = this.#options.meter();
      if (meter) meter.value = level;
    };
    show(0);
    if (track) this.#meter = new LevelMeter(track, show);
  }
}

/** The loudness of one microphone track, 0 (below -60 dBFS) to 1 (full scale), once per frame. */
class LevelMeter {
  readonly track: MediaStreamTrack;
  readonly #context = new AudioContext();
  #frame = 0;

  constructor(track: MediaStreamTrack, report: (level: number) => void) {
    this.track = track;
    const analyser = this.#context.createAnalyser();
    analyser.fftSize = 1024;
    this.#context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let level = 0;
    const tick = (): void => {
      analyser.getFloatTimeDomainData(samples);
      let power = 0;
      for (const sample of samples) power += sample * sample;
      const dbfs = 10 * Math.log10(power / samples.length || 1e-12);
      // Falls back slowly, so speech reads as a steady bar rather than a flicker.
      level = Math.min(1, Math.max((dbfs + 60) / 60, level * 0.9, 0));
      report(level);
      this.#frame = requestAnimationFrame(tick);
    };
    this.#frame = requestAnimationFrame(tick);
  }

  close(): void {
    cancelAnimationFrame(this.#frame);
    this.#context.close().catch(() => undefined);
  }
}
