import type { CallStats } from './stats.js';

/** Signal strength in bars (0–4) from round-trip time and loss. */
export function signalBars(stats: CallStats | null): number {
  if (!stats || stats.rtt === null) return 0;
  let bars = stats.rtt < 0.15 ? 4 : stats.rtt < 0.3 ? 3 : stats.rtt < 0.6 ? 2 : 1;
  if (stats.lossIn > 0.1) bars = Math.min(bars, 1);
  else if (stats.lossIn > 0.03) bars = Math.min(bars, 2);
  return bars;
}
