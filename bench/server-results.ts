// The server figures come from `npm run bench:server`, which writes them to bench/results/server.json
// (the contract is in docs/benchmarks.md). `npm run bench` reads that file; it never guesses figures.
import { readFile } from 'node:fs/promises';

/** One figure of the server benchmark. */
export interface ServerFigure {
  name: string;
  value: number | string;
  unit?: string;
  note?: string;
}

/** What `npm run bench:server` writes to {@link SERVER_RESULTS}. */
export interface ServerResults {
  command: string;
  /** ISO 8601 time of the run. */
  measuredAt: string;
  /** Free text: cores, memory, anything that sets the figures in context. */
  machine?: string;
  figures: ServerFigure[];
}

/** Where `npm run bench:server` leaves its figures. */
export const SERVER_RESULTS = new URL('results/server.json', import.meta.url);

const isFigure = (value: unknown): value is ServerFigure => {
  const figure = value as Partial<ServerFigure> | null;
  return (
    typeof figure === 'object' &&
    figure !== null &&
    typeof figure.name === 'string' &&
    (typeof figure.value === 'number' || typeof figure.value === 'string') &&
    (figure.unit === undefined || typeof figure.unit === 'string') &&
    (figure.note === undefined || typeof figure.note === 'string')
  );
};

/** The figures, or a sentence saying why there are none. */
export async function readServerResults(): Promise<ServerResults | string> {
  let text: string;
  try {
    text = await readFile(SERVER_RESULTS, 'utf8');
  } catch {
    return 'not measured yet: run npm run bench:server';
  }
  let parsed: Partial<ServerResults>;
  try {
    parsed = JSON.parse(text) as Partial<ServerResults>;
  } catch {
    return 'bench/results/server.json is not JSON: run npm run bench:server again';
  }
  if (
    typeof parsed.command !== 'string' ||
    typeof parsed.measuredAt !== 'string' ||
    (parsed.machine !== undefined && typeof parsed.machine !== 'string') ||
    !Array.isArray(parsed.figures) ||
    !parsed.figures.every(isFigure)
  ) {
    return 'bench/results/server.json does not follow the contract in docs/benchmarks.md';
  }
  return parsed as ServerResults;
}
