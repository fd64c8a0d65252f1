import { css } from 'lit';

/** Styles of the in-call view of `<rtc-call>`: they come with its chunk and join the element's own. */
export const callViewStyles = css`
  .badges {
    position: absolute;
    inset: 0.5em auto auto 0.5em;
    display: flex;
    flex-wrap: wrap;
    gap: 0.25em;
  }
  .placeholder {
    position: absolute;
    inset: 0;
    display: grid;
    place-items: center;
    pointer-events: none;
  }
  .placeholder svg {
    width: min(30%, 8em);
    height: auto;
    padding: 1em;
    box-sizing: border-box;
    border-radius: 50%;
    background: #374151;
    stroke-width: 1.5;
  }
  .timer {
    position: absolute;
    inset: 0.5em auto auto 50%;
    transform: translateX(-50%);
    padding: 0.1em 0.5em;
    border-radius: 999px;
    background: rgb(0 0 0 / 0.65);
    font-variant-numeric: tabular-nums;
  }
  .badge.poor {
    background: #92400e;
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
  button.icon {
    position: relative;
    flex: none;
    padding: 0;
  }
  svg {
    display: block;
    margin: auto;
    width: 22px;
    height: 22px;
    fill: none;
    stroke: currentColor;
    stroke-width: 2;
    stroke-linecap: round;
    stroke-linejoin: round;
  }
  button[aria-pressed='true']:not(.off) {
    box-shadow: inset 0 0 0 2px var(--rtc-call-accent, #60a5fa);
  }
  button.off {
    background: var(--rtc-call-off, #7f1d1d);
  }
  [part='hangup-button'] {
    background: var(--rtc-call-danger, #b91c1c);
  }
  /* The label of an icon button: its accessible name, seen only as the tooltip. */
  .label {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
  .badged {
    position: relative;
    display: flex;
  }
  .count {
    pointer-events: none;
    text-align: center;
    position: absolute;
    inset: -4px -4px auto auto;
    min-width: 1.4em;
    border-radius: 999px;
    font-size: 0.75em;
    line-height: 1.4;
    background: var(--rtc-call-danger, #b91c1c);
  }
  /* "More": a menu over the video on narrow boxes, part of the row on wide ones. */
  .more {
    display: none;
    position: absolute;
    inset: auto 0 calc(100% + 0.5em);
    z-index: 3;
    flex-wrap: wrap;
    justify-content: center;
    gap: 0.5em;
    padding: 0.5em;
    border-radius: 12px;
    background: var(--rtc-call-background, #111827);
  }
  .more.open {
    display: flex;
  }
  /* Chat: a sheet over the video on narrow boxes, a side panel on wide ones. */
  .chat {
    grid-area: stage;
    position: absolute;
    inset: auto 0 0;
    z-index: 1;
    box-sizing: border-box;
    height: 100%;
    max-height: 26em;
    padding: 0.5em;
    border-radius: calc(var(--rtc-call-radius, 12px) - 4px);
    background: var(--rtc-call-background, #111827);
  }
  /* Settings: a dialog over the video (never over the controls), scrolled inside. */
  .settings {
    grid-area: stage / stage / status / stage;
    position: absolute;
    inset: 0;
    z-index: 2;
    overflow: auto;
    padding: 0.5em;
    border-radius: calc(var(--rtc-call-radius, 12px) - 4px);
    background: var(--rtc-call-background, #111827);
  }
  [part='close-settings-button'] {
    float: right;
  }
  button.text {
    margin-top: 0.5em;
  }
  @container (min-width: 36em) {
    .more-wrap,
    .more,
    .more.open {
      display: contents;
    }
    [part='more-button'] {
      display: none;
    }
    .settings {
      max-width: 30em;
      margin: auto;
    }
  }
  @container (min-width: 44em) {
    .chat-open {
      grid: 'stage chat' minmax(0, 1fr) 'status chat' auto 'controls controls' auto / minmax(0, 1fr) min(24em, 38%);
    }
    .chat {
      grid-area: chat;
      position: static;
      height: auto;
      max-height: none;
      contain: size;
    }
  }
`;
