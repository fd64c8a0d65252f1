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

/**
 * Lets through at most `lines` log lines per `intervalMs` for one kind of event and counts the
 * rest; the count goes to `report` when the interval ends (and at {@link LogLimiter.flush}), so a
 * flood costs a handful of lines and none of it goes unseen.
 */
export class LogLimiter {
  readonly #options: { lines: number; intervalMs: number };
  readonly #report: (suppressed: number) => void;
  readonly #now: () => number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #logged = 0;
  #suppressed = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    options: { lines: number; intervalMs: number },
    report: (suppressed: number) => void,
    now: () => number = performance.now.bind(performance),
  ) {
    this.#options = options;
    this.#report = report;
    this.#now = now;
  }

  /** Whether this event may have its own line; if not, it is counted for the next report. */
  allow(): boolean {
    const now = this.#now();
    if (this.#timer === undefined && now - this.#windowStart >= this.#options.intervalMs) {
      this.#windowStart = now;
      this.#logged = 0;
    }
    if (this.#logged < this.#options.lines) {
      this.#logged += 1;
      return true;
    }
    this.#suppressed += 1;
    this.#timer ??= setTimeout(() => this.flush(), this.#windowStart + this.#options.intervalMs - now).unref();
    return false;
  }

  /** Reports what was counted so far (the server calls it at close) and starts afresh. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#suppressed > 0) this.#report(this.#suppressed);
    this.#suppressed = 0;
    // The next event opens a new interval: a timer may fire a fraction of a millisecond before
    // the clock says the interval is over.
    this.#windowStart = Number.NEGATIVE_INFINITY;
  }
}
