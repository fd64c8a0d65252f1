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

/** Whether the tests run in Firefox (the `firefox` group of web-test-runner.config.ts). */
export const isFirefox = navigator.userAgent.includes('Firefox/');

/**
 * Mocha's `it`, except in Firefox, where the test is skipped because of `why` (what Firefox, or its
 * fake devices, lack). Every use is listed in docs/testing.md, section "Firefox".
 */
export function itNotInFirefox(why: string, title: string, fn: Mocha.AsyncFunc): void {
  if (isFirefox) it.skip(`${title} (not in Firefox: ${why})`, fn);
  else it(title, fn);
}

/**
 * Firefox names devices only to a document that has captured them (Chromium's fake UI grants up
 * front): a capture, stopped at once, puts both engines in the state "permission granted before".
 */
export async function revealDeviceNames(): Promise<void> {
  if (!isFirefox) return;
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
  for (const track of stream.getTracks()) track.stop();
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
      void describeCalls().then((detail) =>
        reject(new Error(`state is "${el.state}", waited for "${state}"; calls on the page:\n${detail}`)),
      );
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

/** `count` autojoining `<rtc-call>` elements in one room, added to the page. */
export function calls(count: number, room: string, attributes = ''): RtcCall[] {
  const wrapper = document.createElement('div');
  wrapper.dataset.rtcTest = '';
  wrapper.innerHTML = `<rtc-call room="${room}" signaling="${SIGNALING}" autojoin ${attributes}></rtc-call>`.repeat(
    count,
  );
  document.body.append(wrapper);
  return [...wrapper.querySelectorAll('rtc-call')];
}

/** Two autojoining `<rtc-call>` elements in one room. */
export async function twoCalls(room: string, attributes = ''): Promise<[RtcCall, RtcCall]> {
  const [a, b] = calls(2, room, attributes);
  return [a!, b!];
}

/** Both sides of a fresh room, connected. */
export async function connectedPair(attributes = ''): Promise<[RtcCall, RtcCall, string]> {
  const room = uniqueRoom();
  const [a, b] = await twoCalls(room, attributes);
  await Promise.all([untilState(a, 'connected'), untilState(b, 'connected')]);
  return [a, b, room];
}

/** Removes every element the helpers added. */
export function cleanup(): void {
  for (const wrapper of document.querySelectorAll('[data-rtc-test]')) wrapper.remove();
}

/** The shadow-DOM button of an element whose text is `label`. */
export function button(el: HTMLElement, label: string): HTMLButtonElement {
  const found = [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent!.trim() === label);
  if (!found) throw new Error(`no button "${label}"`);
  return found;
}

/** Resolves with the next `name` event of `el`, typed by GlobalEventHandlersEventMap. Create it before the action. */
export function nextEvent<K extends keyof GlobalEventHandlersEventMap>(
  el: EventTarget,
  name: K,
): Promise<GlobalEventHandlersEventMap[K]> {
  return new Promise((resolve) =>
    el.addEventListener(name, (event) => resolve(event as GlobalEventHandlersEventMap[K]), { once: true }),
  );
}

// Every non-fatal error of every element ends up in the test log, to explain a failure.
document.addEventListener('rtc-error', (event) => console.warn(`rtc-error ${event.code}: ${event.message}`));

/** What every call on the page is doing, for failure messages. */
export async function describeCalls(): Promise<string> {
  const lines: string[] = [];
  for (const el of document.querySelectorAll('rtc-call')) {
    const pc = el.peerConnection;
    if (!pc) {
      lines.push(`- ${el.state}, no peer connection`);
      continue;
    }
    const ufrag = (sdp?: string): string => /a=ice-ufrag:(\S+)/.exec(sdp ?? '')?.[1] ?? '-';
    const counts: Record<string, number> = {};
    (await pc.getStats()).forEach((report: { type: string }) => (counts[report.type] = (counts[report.type] ?? 0) + 1));
    lines.push(
      `- ${el.state}: ice ${pc.iceConnectionState}, signaling ${pc.signalingState}, gathering ${pc.iceGatheringState}, ` +
        `ufrag local ${ufrag(pc.localDescription?.sdp)} remote ${ufrag(pc.remoteDescription?.sdp)}, ` +
        `local-candidates ${counts['local-candidate'] ?? 0}, remote-candidates ${counts['remote-candidate'] ?? 0}, ` +
        `pairs ${counts['candidate-pair'] ?? 0}`,
    );
  }
  return lines.join('\n');
}

/** One ICE candidate as getStats reports it (`local-candidate` or `remote-candidate`). */
export interface CandidateStats {
  candidateType?: string;
  address?: string;
  port?: number;
}

/** The two candidates of the pair a connection selected, or `{}` before it selected one. */
export async function selectedCandidates(
  pc: RTCPeerConnection,
): Promise<{ local?: CandidateStats; remote?: CandidateStats }> {
  const reports = new Map<string, Record<string, unknown>>();
  (await pc.getStats()).forEach((report: Record<string, unknown> & { id: string }) => reports.set(report.id, report));
  const transport = [...reports.values()].find((report) => report.type === 'transport');
  const pair = reports.get(String(transport?.selectedCandidatePairId));
  if (!pair) return {};
  return {
    local: reports.get(String(pair.localCandidateId)) as CandidateStats | undefined,
    remote: reports.get(String(pair.remoteCandidateId)) as CandidateStats | undefined,
  };
}

/** `address:port` of every relay candidate a connection gathered (its TURN allocations). */
export async function relayAddresses(pc: RTCPeerConnection): Promise<string[]> {
  const found: string[] = [];
  (await pc.getStats()).forEach((report: CandidateStats & { type: string }) => {
    if (report.type === 'local-candidate' && report.candidateType === 'relay')
      found.push(`${report.address}:${report.port}`);
  });
  return found;
}
