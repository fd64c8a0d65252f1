import { SIGNALING_ERROR_CODES, type SignalingErrorCode } from '../../src/protocol/errors.js';

/** A Prometheus counter with at most one label. */
export class Counter<L extends string = string> {
  readonly name: string;
  readonly help: string;
  readonly label: string | null;
  readonly #values = new Map<string, number>();

  /** `known` label values are exported as 0 from the start, so rates work from the first scrape. */
  constructor(name: string, help: string, label: string | null = null, known: readonly L[] = []) {
    this.name = name;
    this.help = help;
    this.label = label;
    if (label === null) this.#values.set('', 0);
    for (const value of known) this.#values.set(value, 0);
  }

  /** Adds one (to the series of `labelValue`). */
  inc(labelValue: L | '' = ''): void {
    this.#values.set(labelValue, (this.#values.get(labelValue) ?? 0) + 1);
  }

  /** The current value of one series. */
  get(labelValue: L | '' = ''): number {
    return this.#values.get(labelValue) ?? 0;
  }

  /** The counter in Prometheus text format. */
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    for (const [value, count] of this.#values) {
      lines.push(
        this.label === null ? `${this.name} ${count}` : `${this.name}{${this.label}="${escape(value)}"} ${count}`,
      );
    }
    return lines.join('\n');
  }
}

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A gauge read when scraped. */
export interface Gauge {
  name: string;
  help: string;
  read: () => number | Promise<number>;
}

/** The result label of a join: `ok` or the refusal's error code. */
export type JoinResult = 'ok' | SignalingErrorCode;

/** The counters of the signaling server: the signaling plugins count into them, `GET /metrics` renders them. */
export class SignalingMetrics {
  readonly joins = new Counter<JoinResult>('rtc_call_joins_total', 'Join requests by result.', 'result', [
    'ok',
    ...SIGNALING_ERROR_CODES,
  ]);
  readonly signalsRelayed = new Counter(
    'rtc_call_signals_relayed_total',
    'Descriptions and candidates relayed to a peer.',
  );
  readonly errors = new Counter<SignalingErrorCode>(
    'rtc_call_errors_total',
    'Refusals sent to clients, by protocol error code.',
    'code',
    SIGNALING_ERROR_CODES,
  );
  readonly unknownEvents = new Counter('rtc_call_unknown_events_total', 'Events of no protocol v1 name, ignored.');
  readonly floodDisconnects = new Counter(
    'rtc_call_flood_disconnects_total',
    'Sockets disconnected for going on sending past the rate limit.',
  );
  readonly slowReaderDisconnects = new Counter(
    'rtc_call_slow_reader_disconnects_total',
    'Sockets disconnected for leaving more than the bound unread in the server.',
  );
  readonly handshakesRefused = new Counter<'origin'>(
    'rtc_call_handshakes_refused_total',
    'Connections refused at the handshake, by reason.',
    'reason',
    ['origin'],
  );
  readonly #gauges: Gauge[] = [];

  /** Adds a gauge read at each scrape (sockets, rooms). */
  gauge(gauge: Gauge): void {
    this.#gauges.push(gauge);
  }

  /** Everything in Prometheus text exposition format 0.0.4. */
  async render(): Promise<string> {
    const blocks: string[] = [];
    for (const gauge of this.#gauges) {
      const value = await gauge.read();
      blocks.push(`# HELP ${gauge.name} ${gauge.help}\n# TYPE ${gauge.name} gauge\n${gauge.name} ${value}`);
    }
    for (const counter of [
      this.joins,
      this.signalsRelayed,
      this.errors,
      this.unknownEvents,
      this.floodDisconnects,
      this.slowReaderDisconnects,
      this.handshakesRefused,
    ]) {
      blocks.push(counter.render());
    }
    return `${blocks.join('\n')}\n`;
  }
}
