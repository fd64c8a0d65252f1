import { css } from 'lit';

/** Styles of `<rtc-device-picker>`; shares the `--rtc-call-*` custom properties of `<rtc-call>`. */
export const styles = css`
  :host {
    display: block;
  }
  :host([hidden]) {
    display: none;
  }
  .picker,
  label {
    display: grid;
    gap: 0.5rem;
  }
  .picker {
    color: var(--rtc-call-color, inherit);
    font: var(--rtc-call-font, 14px/1.4 system-ui, sans-serif);
  }
  p {
    margin: 0;
  }
  video,
  meter {
    width: 100%;
    max-width: 320px;
  }
  video {
    aspect-ratio: 4 / 3;
    object-fit: cover;
    background: #000;
    transform: scaleX(-1);
  }
  select,
  button {
    font: inherit;
    padding: 0.4rem;
  }
  button {
    justify-self: start;
    background: var(--rtc-call-accent, #1d4ed8);
    color: #fff;
  }
  :focus-visible {
    outline: 3px solid var(--rtc-call-focus, #93c5fd);
  }
  .hidden {
    position: absolute;
    clip-path: inset(50%);
  }
`;
