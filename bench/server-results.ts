// The server figures come from `npm run bench:server` (bench/server-load.ts), which writes them to
// bench/results/server.json (the contract is in docs/benchmarks.md). `npm run bench` runs it as its
// last phase and reads that file; it never guesses figures.
import { mkdir, readFile, writeFile } from 'node:fs/promises';

/** One measured quantity, with a value for each setup of the run. */
export interface ServerFigure {
  name: string;
  /** One value per entry of {@link ServerResults.setups}, in the same order. */
  values: Array<number | string>;
  unit?: string;
  note?: string;
}

/** What `npm run bench:server` writes to {@link SERVER_RESULTS}. */
export interface ServerResults {
  /** The command line that produced the figures. */
  command: string;
  /** ISO 8601 time of the run. */
  measuredAt: string;
  /** Free text: cores, memory, anything that sets the figures in context. */
  machine?: string;
  /** Free text: what load the run put on the server. */
  workload?: string;
  /** The server setups measured, e.g. "1 node, memory" and "2 nodes, Redis". */
  setups: string[];
  figures: ServerFigure[];
}

/** Where `npm run bench:server` leaves its figures. */
export const SERVER_RESULTS = new URL('results/server.json', import.meta.url);

const isText = (value: unknown): boolean => value === undefined || typeof value === 'string';
const isValue = (value: unknown): boolean =>
  typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value));

/** The reason `value` does not follow the contract, or null when it does. */
export function serverResultsProblem(value: unknown): string | null {
  const results = value as Partial<ServerResults> | null;
  if (typeof results !== 'object' || results === null) return 'not an object';
  if (typeof results.command !== 'string' || typeof results.measuredAt !== 'string') {
    return '`command` and `measuredAt` must be strings';
  }
  if (!isText(results.machine) || !isText(results.workload)) return '`machine` and `workload` must be strings';
  const { setups, figures } = results;
  if (!Array.isArray(setups) || setups.length === 0 || !setups.every((s) => typeof s === 'string')) {
    return '`setups` must be a non-empty list of strings';
  }
  if (!Array.isArray(figures)) return '`figures` must be a list';
  for (const [at, figure] of figures.entries()) {
    const f = figure as Partial<ServerFigure> | null;
    if (typeof f !== 'object' || f === null || typeof f.name !== 'string' || !isText(f.unit) || !isText(f.note)) {
      return `figure ${at}: needs a string \`name\` (and string \`unit\`/\`note\` if any)`;
    }
    if (!Array.isArray(f.values) || f.values.length !== setups.length || !f.values.every(isValue)) {
      return `figure ${at} (${f.name}): \`values\` must hold one finite number or string per setup`;
    }
  }
  return null;
}

/** The figures, or a sentence saying why there are none. */
export async function readServerResults(): Promise<ServerResults | string> {
  let text: string;
  try {
    text = await readFile(SERVER_RESULTS, 'utf8');
  } catch {
    return 'not measured yet: run npm run bench:server';
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'bench/results/server.json is not JSON: run npm run bench:server again';
  }
  const problem = serverResultsProblem(parsed);
  if (problem) return `bench/results/server.json does not follow the contract in docs/benchmarks.md (${problem})`;
  return parsed as ServerResults;
}

/** Writes `results` where {@link readServerResults} finds them; refuses figures that break the contract. */
export async function writeServerResults(results: ServerResults): Promise<void> {
  const problem = serverResultsProblem(results);
  if (problem) throw new Error(`server results break the contract: ${problem}`);
  await mkdir(new URL('.', SERVER_RESULTS), { recursive: true });
  await writeFile(SERVER_RESULTS, `${JSON.stringify(results, null, 2)}\n`);
}
