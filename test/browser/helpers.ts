import type { CallState } from '../../src/controllers/call-controller.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';

declare global {
  interface Window {
    __rtcTest: { signaling: string };
  }
}

/** What the `coturn-start` and `coturn-restart` server commands answer (web-test-runner.config.ts). */
export interface TurnSetup {
  /** `turn:127.0.0.1:PORT?transport=udp` of a coturn the run started. */
  url: string;
  port: number;
  /** A signaling server whose JoinOk and ice-servers carry credentials for that coturn. */
  signaling: string;
}

/** URL of the real signaling server the test run started. */
export const SIGNALING = window.__rtcTest.signaling;

/** A room name no other test uses. */
export function uniqueRoom(prefix = 'test'): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** Resolves when `el.state` is `state` (at once if it already is); rejects on timeout. */
export function untilState(el: RtcCall, state: CallState, timeoutMs = 20_000): Promise<void> {
  if (el.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      el.removeEventListener('rtc-state-change', onChange);
      reject(new Error(`state is "${el.state}", waited for "${state}"`));
    }, timeoutMs);
    const onChange = (): void => {
      if (el.state !== state) return;
      clearTimeout(timer);
      el.removeEventListener('rtc-state-change', onChange);
      resolve();
    };
    el.addEventListener('rtc-state-change', onChange);
  });
}

/** Total video frames decoded on a connection so far. */
export async function framesDecoded(pc: RTCPeerConnection): Promise<number> {
  let frames = 0;
  (await pc.getStats()).forEach((report: { type: string; kind?: string; framesDecoded?: number }) => {
    if (report.type === 'inbound-rtp' && report.kind === 'video') frames += report.framesDecoded ?? 0;
  });
  return frames;
}

/** Polls `check` until it returns true; rejects with `what` on timeout. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the element's remote video shows frames and the decoder keeps producing them. */
export async function expectRemoteVideoFlowing(el: RtcCall): Promise<void> {
  const video = el.shadowRoot!.querySelector<HTMLVideoElement>('video[part="remote-video"]')!;
  await until(() => video.videoWidth > 0, 'remote video to have a size');
  const pc = el.peerConnection!;
  const before = await framesDecoded(pc);
  await until(async () => (await framesDecoded(pc)) > before + 5, 'framesDecoded to grow');
}

/** The candidate types of the pair a connection selected, e.g. `{local: 'relay', remote: 'relay'}`. */
export async function selectedCandidateTypes(pc: RTCPeerConnection): Promise<{ local?: string; remote?: string }> {
  const reports = new Map<string, Record<string, unknown>>();
  (await pc.getStats()).forEach((report: Record<string, unknown> & { id: string }) => reports.set(report.id, report));
  const transport = [...reports.values()].find((report) => report.type === 'transport');
  const pair = reports.get(String(transport?.selectedCandidatePairId));
  if (!pair) return {};
  return {
    local: reports.get(String(pair.localCandidateId))?.candidateType as string | undefined,
    remote: reports.get(String(pair.remoteCandidateId))?.candidateType as string | undefined,
  };
}
