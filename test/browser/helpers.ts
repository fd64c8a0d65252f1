import type { CallState } from '../../src/controllers/call-controller.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';

declare global {
  interface Window {
    __rtcTest: { signaling: string };
  }
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
