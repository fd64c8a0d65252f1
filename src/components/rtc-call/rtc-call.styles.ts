import { css } from 'lit';

/** Styles of `<rtc-call>`; themable through `--rtc-call-*` custom properties and parts. */
export const styles = css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  .call {
    box-sizing: border-box;
    position: relative;
    display: grid;
    grid-template-rows: 1fr auto auto;
    gap: 0.5rem;
    min-height: 240px;
    padding: 0.5rem;
    border-radius: var(--rtc-call-radius, 12px);
    background: var(--rtc-call-background, #111827);
    color: var(--rtc-call-color, #f9fafb);
    font: var(--rtc-call-font, 14px/1.4 system-ui, sans-serif);
  }
  .stage {
    position: relative;
    min-height: 180px;
    border-radius: calc(var(--rtc-call-radius, 12px) - 4px);
    overflow: hidden;
    background: #000;
  }
  video {
    display: block;
    background: #000;
  }
  .remote {
    width: 100%;
    height: 100%;
    min-height: 180px;
    object-fit: contain;
  }
  .local {
    position: absolute;
    right: 0.5rem;
    bottom: 0.5rem;
    width: min(30%, 180px);
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: 8px;
    border: 2px solid rgb(255 255 255 / 0.6);
    transform: scaleX(-1);
  }
  .status {
    min-height: 1.4em;
    text-align: center;
  }
  .controls {
    display: flex;
    justify-content: center;
    gap: 0.5rem;
  }
  button {
    font: inherit;
    padding: 0.5rem 1rem;
    border: 0;
    border-radius: 999px;
    cursor: pointer;
    background: var(--rtc-call-button-background, #374151);
    color: inherit;
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
`;
