/** The figures of `rtc-stats`, sampled every 2 s while connected. */
export interface CallStats {
  /** Round-trip time of the selected candidate pair, in seconds (null until measured). */
  rtt: number | null;
  /** Received bits per second over the last interval. */
  bitrateIn: number;
  /** Sent bits per second over the last interval. */
  bitrateOut: number;
  /** Fraction (0–1) of inbound RTP packets lost over the last interval. */
  lossIn: number;
  /** Local candidate type of the selected pair: host, srflx, prflx or relay. */
  candidateType: string | null;
}

/** Counters kept between two samples to turn totals into rates. */
export interface StatsSample {
  at: number;
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  packetsLost: number;
}

type Report = Record<string, unknown> & { type: string; id: string };

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Reads `pc.getStats()` and turns it into {@link CallStats}, relative to the previous sample. */
export async function sampleStats(
  pc: RTCPeerConnection,
  previous: StatsSample | null,
): Promise<{ stats: CallStats; sample: StatsSample }> {
  const reports = new Map<string, Report>();
  (await pc.getStats()).forEach((report: Report) => reports.set(report.id, report));
  const sample: StatsSample = { at: performance.now(), bytesIn: 0, bytesOut: 0, packetsIn: 0, packetsLost: 0 };
  let pair: Report | undefined;
  for (const report of reports.values()) {
    if (report.type === 'inbound-rtp') {
      sample.bytesIn += num(report.bytesReceived);
      sample.packetsIn += num(report.packetsReceived);
      sample.packetsLost += num(report.packetsLost);
    } else if (report.type === 'outbound-rtp') {
      sample.bytesOut += num(report.bytesSent);
    } else if (report.type === 'transport' && typeof report.selectedCandidatePairId === 'string') {
      pair = reports.get(report.selectedCandidatePairId);
    }
  }
  const local = pair && typeof pair.localCandidateId === 'string' ? reports.get(pair.localCandidateId) : undefined;
  const seconds = previous ? (sample.at - previous.at) / 1000 : 0;
  const rate = (now: number, before: number): number => (seconds > 0 ? Math.max(0, ((now - before) * 8) / seconds) : 0);
  const received = previous ? sample.packetsIn - previous.packetsIn : 0;
  const lost = previous ? sample.packetsLost - previous.packetsLost : 0;
  return {
    sample,
    stats: {
      rtt: pair && typeof pair.currentRoundTripTime === 'number' ? pair.currentRoundTripTime : null,
      bitrateIn: Math.round(rate(sample.bytesIn, previous?.bytesIn ?? 0)),
      bitrateOut: Math.round(rate(sample.bytesOut, previous?.bytesOut ?? 0)),
      lossIn: received + lost > 0 ? Math.max(0, lost) / (received + lost) : 0,
      candidateType: typeof local?.candidateType === 'string' ? local.candidateType : null,
    },
  };
}
