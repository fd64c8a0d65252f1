import { css } from 'lit';

/**
 * Styles of `<rtc-call>`; themable through `--rtc-call-*` custom properties and parts. The page's
 * inherited styles stop at `.call` (`all: initial`), and sizes are in `em` of the widget's own font,
 * so a page's `html { font-size }` or `letter-spacing` does not reach inside.
 */
export const styles = css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  .call {
    all: initial;
    visibility: inherit;
    box-sizing: border-box;
    display: grid;
    /* Usable even in a column a page squeezed to nothing. */
    min-width: 18em;
    gap: 0.5em;
    padding: 0.5em;
    border-radius: var(--rtc-call-radius, 12px);
    background: var(--rtc-call-background, #111827);
    color: var(--rtc-call-color, #f9fafb);
    font: var(--rtc-call-font, 14px/1.4 system-ui, sans-serif);
    text-align: start;
  }
  .stage {
    position: relative;
    aspect-ratio: 16 / 10;
    max-height: 75vh;
    border-radius: calc(var(--rtc-call-radius, 12px) - 4px);
    overflow: hidden;
    background: #000;
  }
  video {
    display: block;
    background: #000;
  }
  video[hidden] {
    display: none;
  }
  .remote-view {
    width: 100%;
    height: 100%;
    object-fit: contain;
  }
  .self-view {
    position: absolute;
    inset: auto 0.5em 0.5em auto;
    width: min(30%, 200px);
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: 8px;
    border: 2px solid rgb(255 255 255 / 0.6);
    transform: scaleX(-1);
    transition: all 0.2s ease;
  }
  .self-view.screen {
    transform: none;
    object-fit: contain;
  }
  .prejoin .self-view {
    inset: 0;
    width: 100%;
    height: 100%;
    border: 0;
    border-radius: 0;
  }
  .prejoin .remote-view {
    visibility: hidden;
  }
  .start-audio {
    position: absolute;
    inset: 50% auto auto 50%;
    transform: translate(-50%, -50%);
    background: var(--rtc-call-accent, #1d4ed8);
  }
  .badges {
    position: absolute;
    inset: 0.5em auto auto 0.5em;
    display: flex;
    flex-wrap: wrap;
    gap: 0.25em;
  }
  .badge {
    padding: 0.1em 0.5em;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.65);
  }
  .signal {
    position: absolute;
    inset: 0.5em 0.5em auto auto;
    display: flex;
    align-items: flex-end;
    gap: 2px;
    height: 16px;
  }
  .signal span {
    width: 4px;
    background: rgb(255 255 255 / 0.3);
  }
  .signal span:nth-child(1) {
    height: 25%;
  }
  .signal span:nth-child(2) {
    height: 50%;
  }
  .signal span:nth-child(3) {
    height: 75%;
  }
  .signal span:nth-child(4) {
    height: 100%;
  }
  .signal span.on {
    background: #4ade80;
  }
  .status {
    min-height: 1.4em;
    text-align: center;
  }
  .controls {
    display: flex;
    flex-wrap: wrap;
    justify-content: center;
    gap: 0.5em;
  }
  button {
    font: inherit;
    min-height: 44px;
    padding: 0.5em 1em;
    border: 0;
    border-radius: 999px;
    cursor: pointer;
    background: var(--rtc-call-button-background, #374151);
    color: inherit;
  }
  button.toggle[aria-pressed='true']:not(.off) {
    box-shadow: inset 0 0 0 2px var(--rtc-call-accent, #60a5fa);
  }
  button.toggle.off {
    background: var(--rtc-call-off, #7f1d1d);
    text-decoration: line-through;
  }
  button.hangup {
    background: var(--rtc-call-danger, #b91c1c);
  }
  button.join {
    background: var(--rtc-call-accent, #1d4ed8);
  }
  button:focus-visible {
    outline: 3px solid var(--rtc-call-focus, #93c5fd);
    outline-offset: 2px;
  }
  .sr-only {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  @media (max-width: 480px) {
    .call {
      padding: 0.25em;
    }
    button {
      padding: 0.5em 0.75em;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    * {
      transition: none !important;
      animation: none !important;
    }
  }
`;
