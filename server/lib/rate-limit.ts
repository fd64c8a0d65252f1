import type { Limits } from '../config.js';

/** What to do with one inbound event. */
export type Verdict = 'pass' | 'refuse' | 'disconnect';

/**
 * A per-socket token bucket. Each event takes a token; tokens refill at `perSecond` up to
 * `burst`, so a burst of trickled candidates passes. An event without a token is refused and
 * earns a strike; strikes fade at one a second, and a socket that piles up `strikes` of them is
 * flooding and gets disconnected.
 */
export class TokenBucket {
  readonly #limits: Pick<Limits, 'burst' | 'perSecond' | 'strikes'>;
  readonly #now: () => number;
  #tokens: number;
  #strikes = 0;
  #updated: number;

  constructor(
    limits: Pick<Limits, 'burst' | 'perSecond' | 'strikes'>,
    now: () => number = performance.now.bind(performance),
  ) {
    this.#limits = limits;
    this.#now = now;
    this.#tokens = limits.burst;
    this.#updated = now();
  }

  /** Takes a token for one event and says whether it may run. */
  take(): Verdict {
    const now = this.#now();
    const seconds = Math.max(0, (now - this.#updated) / 1000);
    this.#updated = now;
    this.#tokens = Math.min(this.#limits.burst, this.#tokens + seconds * this.#limits.perSecond);
    this.#strikes = Math.max(0, this.#strikes - seconds);
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 'pass';
    }
    this.#strikes += 1;
    return this.#strikes >= this.#limits.strikes ? 'disconnect' : 'refuse';
  }
}
