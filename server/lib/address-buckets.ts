import ipaddr from 'ipaddr.js';
import { TokenBucket } from './rate-limit.js';

/**
 * The key a client address is counted under. IPv4 addresses (also written IPv4-mapped) count one
 * by one; IPv6 ones by their /64, the smallest block a home or a phone gets: anyone holds 2^64
 * addresses of their own /64, so counting them one by one would count nothing.
 */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address.slice(0, 64); // never from a socket; kept apart
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}

/** Options of {@link AddressBuckets}. */
export interface AddressBucketOptions {
  /** Takes a key may make at once; it refills at `burst` a minute. */
  perMinute: number;
  /** Keys remembered at most; past it the least recently seen is forgotten. */
  maxKeys?: number;
  now?: () => number;
}

/** What {@link AddressBuckets.take} decided: a take, or the first refusal after takes, or a later one. */
export type AddressVerdict = 'pass' | 'refused-first' | 'refused';

/** Keys remembered by default: about 2 MB, and far more addresses than take a turn in a minute. */
const DEFAULT_MAX_KEYS = 10_000;

/**
 * One token bucket per client address ({@link addressKey}), holding at most `maxKeys` of them so
 * that a client with many addresses cannot grow the map. Forgetting the least recently seen key
 * gives its owner a full bucket again, no more than a new address would have.
 */
export class AddressBuckets {
  readonly #options: Required<AddressBucketOptions>;
  /** Insertion order is recency order: a key is moved to the end each time it is seen. */
  readonly #buckets = new Map<string, { bucket: TokenBucket; refused: boolean }>();

  constructor(options: AddressBucketOptions) {
    this.#options = {
      maxKeys: DEFAULT_MAX_KEYS,
      now: performance.now.bind(performance),
      ...options,
    };
    if (!Number.isInteger(this.#options.perMinute) || this.#options.perMinute < 1) {
      throw new RangeError(`perMinute must be a positive integer, got ${this.#options.perMinute}`);
    }
    if (!Number.isInteger(this.#options.maxKeys) || this.#options.maxKeys < 1) {
      throw new RangeError(`maxKeys must be a positive integer, got ${this.#options.maxKeys}`);
    }
  }

  /** How many keys are remembered now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes a token for the client at `address`. */
  take(address: string): AddressVerdict {
    const key = addressKey(address);
    let entry = this.#buckets.get(key);
    if (entry) {
      this.#buckets.delete(key);
    } else {
      const { perMinute, now } = this.#options;
      // No strikes here: a refusal costs nothing but the TURN servers of that answer.
      entry = {
        bucket: new TokenBucket({ burst: perMinute, perSecond: perMinute / 60, strikes: Infinity }, now),
        refused: false,
      };
      if (this.#buckets.size >= this.#options.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
    }
    this.#buckets.set(key, entry);
    if (entry.bucket.take() === 'pass') {
      entry.refused = false;
      return 'pass';
    }
    const first = !entry.refused;
    entry.refused = true;
    return first ? 'refused-first' : 'refused';
  }
}
