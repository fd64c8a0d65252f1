// The in-call view of `<rtc-call>`: the call's controls (icon buttons, "more"), what lies over the
// video (the other person's media badges, the signal bars) and the settings dialog. A chunk of its
// own: the pre-join view does not need it, so it is fetched while the page is idle after the
// first render, and at the latest when joining starts (with the camera and the server); the
// element's first in-call frame waits for it.
import { adoptStyles, html, nothing, supportsAdoptingStyleSheets, type TemplateResult } from 'lit';
import type { CallState, MediaState } from '../../events/events.js';
import type { CallStrings } from '../../i18n/en.js';
import { signalBars } from '../../webrtc/signal-bars.js';
import type { CallStats } from '../../webrtc/stats.js';
import { callViewStyles } from './call-view.styles.js';
import * as icon from './icons.js';

/** What the in-call view reads of its element and calls back into; the element keeps the state. */
export interface CallViewHost extends HTMLElement {
  readonly renderRoot: HTMLElement | DocumentFragment;
  readonly state: CallState;
  readonly localStream: MediaStream | null;
  readonly remoteStream: MediaStream | null;
  readonly remoteMedia: MediaState | null;
  readonly peerConnection: RTCPeerConnection | null;
  readonly micEnabled: boolean;
  readonly cameraEnabled: boolean;
  readonly audioOnly: boolean;
  readonly noChat: boolean;
  chatOpen: boolean;
  settingsOpen: boolean;
  moreOpen: boolean;
  /** Messages from the peer not seen yet (the chat was closed or the page hidden). */
  readonly unread: number;
  /** Whether this side shares a screen. */
  readonly sharing: boolean;
  /** The last stats sample, for the signal bars. */
  readonly callStats: CallStats | null;
  /** The language the element speaks (for its settings). */
  readonly viewLang: string;
  setMicEnabled(enabled: boolean): void;
  setCameraEnabled(enabled: boolean): void;
  hangup(): Promise<void>;
  toggleChat(): void;
  toggleScreen(): Promise<void>;
  copyDiagnostics(): Promise<void>;
  requestUpdate(): void;
  readonly updateComplete: Promise<boolean>;
}

const styled = new WeakSet<ShadowRoot>();

/** Adds the view's styles after the element's own, once per element (they came with this chunk). */
function addStyles(root: ShadowRoot): void {
  if (styled.has(root)) return;
  styled.add(root);
  const sheet = callViewStyles.styleSheet;
  // Constructable sheets, as lit adopts the element's own: `style-src` does not govern them.
  if (supportsAdoptingStyleSheets && sheet) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  else adoptStyles(root, [callViewStyles]);
}

/**
 * An icon button: the label is its accessible name (visually hidden text, which tests and
 * translations find as before) and its tooltip; `pressed` makes it a toggle, `off` marks a
 * device that is off (muted microphone, camera off); `extra` follows the button (a badge over it).
 */
function button(
  part: string,
  label: string,
  glyph: TemplateResult,
  onClick: () => unknown,
  pressed?: boolean,
  off = false,
  extra: unknown = nothing,
  expanded?: boolean,
) {
  return html`<button
      type="button"
      part=${part}
      class=${off ? 'icon off' : 'icon'}
      title=${label}
      aria-pressed=${pressed === undefined ? nothing : pressed ? 'true' : 'false'}
      aria-expanded=${expanded === undefined ? nothing : expanded ? 'true' : 'false'}
      @click=${onClick}
    >
      <svg viewBox="0 0 24 24" aria-hidden="true">${glyph}</svg><span class="label">${label}</span></button
    >${extra}`;
}

/** Closes the settings and "more", and gives the focus back to the button that opens them. */
function close(el: CallViewHost): void {
  el.settingsOpen = el.moreOpen = false;
  void el.updateComplete.then(() => {
    const buttons = el.renderRoot.querySelectorAll<HTMLElement>('[part="settings-button"], [part="more-button"]');
    [...buttons].find((b) => b.offsetParent)?.focus();
  });
}

/** Escape closes what is open (the dialog takes the focus when it opens; "more" has it on its button). */
const escape = (el: CallViewHost) => (event: KeyboardEvent) => {
  if (event.key === 'Escape') close(el);
};

const remoteVideo = (el: CallViewHost) => el.renderRoot.querySelector<HTMLVideoElement>('video.remote-view');

function settingsButton(t: CallStrings, el: CallViewHost) {
  return button(
    'settings-button',
    t['action.settings'],
    icon.settings,
    () => (el.settingsOpen = !el.settingsOpen),
    el.settingsOpen,
  );
}

/**
 * The in-call controls: microphone, camera, chat and hang up always in one row; screen share,
 * settings, full screen and picture-in-picture in "more", which shows them in the row itself
 * where there is room (a container query).
 */
export function callControls(t: CallStrings, el: CallViewHost) {
  addStyles(el.renderRoot as ShadowRoot);
  const local = el.localStream;
  const { micEnabled: mic, cameraEnabled: camera, sharing, unread } = el;
  const remote = remoteVideo(el);
  // Inside the shadow root: the document sees its host as the picture-in-picture element.
  const pip = !!remote && (el.renderRoot as ShadowRoot).pictureInPictureElement === remote;
  const fullscreen = document.fullscreenElement === el;
  const toggle = (entered: Promise<unknown>) =>
    void entered.then(
      () => el.requestUpdate(),
      () => undefined,
    );
  return html`
    ${
      local?.getAudioTracks().length
        ? button('mic-button', t['action.mic'], mic ? icon.mic : icon.micOff, () => el.setMicEnabled(!mic), mic, !mic)
        : nothing
    }
    ${
      local?.getVideoTracks().length
        ? button(
            'camera-button',
            t['action.camera'],
            camera ? icon.camera : icon.cameraOff,
            () => el.setCameraEnabled(!camera),
            camera,
            !camera,
          )
        : nothing
    }
    ${
      el.noChat
        ? nothing
        : html`<span class="badged"
            >${button(
              'chat-button',
              unread ? `${t['chat.toggle']} (${t['chat.unread'].replace('{n}', String(unread))})` : t['chat.toggle'],
              icon.chat,
              () => el.toggleChat(),
              el.chatOpen,
              false,
              unread ? html`<span class="count" aria-hidden="true">${unread > 99 ? '99+' : unread}</span>` : nothing,
            )}</span
          >`
    }
    <div class="more-wrap" @keydown=${escape(el)}>
      ${button('more-button', t['action.more'], icon.more, () => (el.moreOpen = !el.moreOpen), undefined, false, nothing, el.moreOpen)}
      <div class="more ${el.moreOpen ? 'open' : ''}" @click=${() => (el.moreOpen = false)}>
        ${
          (navigator.mediaDevices as Partial<MediaDevices> | undefined)?.getDisplayMedia && !el.audioOnly
            ? button(
                'screen-button',
                t['action.screen'],
                sharing ? icon.screenOff : icon.screen,
                () => el.toggleScreen(),
                sharing,
              )
            : nothing
        }
        ${settingsButton(t, el)}
        ${
          document.fullscreenEnabled
            ? button(
                'fullscreen-button',
                t['action.fullscreen'],
                fullscreen ? icon.fullscreenExit : icon.fullscreen,
                () => toggle(fullscreen ? document.exitFullscreen() : el.requestFullscreen()),
                fullscreen,
              )
            : nothing
        }
        ${
          document.pictureInPictureEnabled && remote && el.remoteStream && !el.audioOnly
            ? button(
                'pip-button',
                t['action.pip'],
                icon.pip,
                () => toggle(pip ? document.exitPictureInPicture() : remote.requestPictureInPicture()),
                pip,
              )
            : nothing
        }
      </div>
    </div>
    ${button('hangup-button', t['action.hangup'], icon.hangup, () => ((el.moreOpen = false), el.hangup()))}
  `;
}

const live = (el: CallViewHost): boolean => el.isConnected && (el.state === 'connected' || el.state === 'reconnecting');
const timers = new WeakMap<CallViewHost, { since: number; tick: ReturnType<typeof setInterval> }>();

/**
 * How long the call has been up (m:ss, h:mm:ss past an hour), from its first `connected` on; a
 * reconnect goes on counting, the other person leaving starts over. The element redraws each second meanwhile.
 */
export function callDuration(el: CallViewHost, now = Date.now()): string | null {
  let timer = timers.get(el);
  if (!live(el)) {
    // Not in a call (the other person left, say): the next call counts from its own start.
    if (timer) clearInterval(timer.tick);
    timers.delete(el);
    return null;
  }
  if (!timer) {
    const tick = setInterval(() => {
      if (live(el)) return el.requestUpdate();
      clearInterval(tick);
      timers.delete(el);
      release(el); // removed from the page mid-call: no state change tells the wake lock
    }, 1000);
    timers.set(el, (timer = { since: now, tick }));
  }
  const seconds = Math.floor((now - timer.since) / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes}:${two(seconds % 60)}`
    : `${Math.floor(minutes / 60)}:${two(minutes % 60)}:${two(seconds % 60)}`;
}

const locks = new WeakMap<CallViewHost, Promise<WakeLockSentinel | null>>();

/**
 * Keeps the screen on while the call is up (a screen wake lock, where the browser has one): taken
 * at the first in-call redraw, released when the call leaves `connected`/`reconnecting`. The
 * browser releases it while the page is hidden; the next redraw (each second) takes it again.
 */
export function keepAwake(el: CallViewHost): void {
  if (!live(el) || locks.has(el) || document.visibilityState !== 'visible' || !navigator.wakeLock) return;
  // A refusal (a frame without the screen-wake-lock permission) stands until the call ends.
  const lock = navigator.wakeLock.request('screen').catch(() => null);
  locks.set(el, lock);
  const forget = (): void => {
    if (locks.get(el) === lock) locks.delete(el);
    el.removeEventListener('rtc-state-change', ended);
  };
  const ended = (): void => {
    if (live(el)) return;
    forget();
    void lock.then((sentinel) => sentinel?.release());
  };
  el.addEventListener('rtc-state-change', ended);
  void lock.then((sentinel) => sentinel?.addEventListener('release', forget));
}

/** Lets the screen sleep again (the element left the page mid-call). */
function release(el: CallViewHost): void {
  const lock = locks.get(el);
  locks.delete(el);
  void lock?.then((sentinel) => sentinel?.release());
}

/**
 * What lies over the other person's video: the call's duration, what they send (a placeholder
 * where their camera is off), a notice while the connection is poor, and the signal bars.
 */
export function callOverlays(t: CallStrings, el: CallViewHost) {
  const remote = el.remoteMedia;
  const stats = el.callStats;
  const bars = signalBars(stats);
  const duration = callDuration(el);
  keepAwake(el);
  return html`${
      remote && el.peerConnection && !remote.video && !remote.screen
        ? html`<div class="placeholder" part="remote-placeholder">
            <svg viewBox="0 0 24 24" aria-hidden="true">${icon.user}</svg>
          </div>`
        : nothing
    }
    ${duration ? html`<span class="timer" part="call-timer">${duration}</span>` : nothing}
    <div class="badges">
      ${
        remote && el.peerConnection
          ? html`${!remote.video ? html`<span class="badge">${t['remote.camera-off']}</span>` : nothing}
            ${!remote.audio ? html`<span class="badge">${t['remote.muted']}</span>` : nothing}
            ${remote.screen ? html`<span class="badge">${t['remote.sharing']}</span>` : nothing}`
          : nothing
      }
      ${
        live(el) && stats?.rtt != null && bars <= 1
          ? html`<span class="badge poor" part="poor-connection" role="status">${t['notice.poor-connection']}</span>`
          : nothing
      }
    </div>
    ${
      el.state === 'connected' || el.state === 'reconnecting'
        ? html`<div class="signal" role="img" aria-label=${t['signal.label'].replace('{bars}', String(bars))}>
            ${[1, 2, 3, 4].map((bar) => html`<span class=${bar <= bars ? 'on' : ''}></span>`)}
          </div>`
        : nothing
    }`;
}

/** The settings: a dialog over the video (never over the controls); Escape (the element's) or its button closes it. */
export function settingsDialog(t: CallStrings, el: CallViewHost, prejoin: boolean) {
  addStyles(el.renderRoot as ShadowRoot);
  return html`<div
    class="settings"
    part="settings"
    role="dialog"
    aria-label=${t['action.settings']}
    @keydown=${escape(el)}
  >
    ${button('close-settings-button', t['action.close'], icon.close, () => close(el))}
    <rtc-device-picker .call=${el} lang=${el.viewLang}></rtc-device-picker>
    ${
      prejoin
        ? nothing
        : html`<button type="button" class="text" @click=${() => el.copyDiagnostics()}>
            ${t['action.diagnostics']}
          </button>`
    }
  </div>`;
}
