import { css } from 'lit';

/**
 * Styles of `<rtc-call>`; themable through `--rtc-call-*` custom properties and parts. The page's
 * inherited styles stop at `.call` (`all: initial`), and sizes are in `em` of the widget's own font,
 * so a page's `html { font-size }` or `letter-spacing` does not reach inside.
 *
 * Layout: the element fills the box the page gives it (video, status and controls inside it, open
 * panels over the video, never past the box); with no height it takes the video's 16:10 from its
 * width. What changes with the width is decided by container queries on `.call`, the narrow
 * layout being the default (a browser without them gets it).
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
    position: relative;
    box-sizing: border-box;
    display: flex;
    flex-direction: column;
    height: 100%;
    /* Never taller than the screen: a page that made the element inline (all: unset) leaves the
       percentage to some ancestor's height; a wide box with no height set shrinks its 16:10. */
    max-height: 100vh;
    /* Usable even in a column a page squeezed to nothing. */
    min-width: 18em;
    container-type: inline-size;
    border-radius: var(--rtc-call-radius, 12px);
    overflow: hidden;
    background: var(--rtc-call-background, #111827);
    color: var(--rtc-call-color, #f9fafb);
    font: var(--rtc-call-font, 14px/1.4 system-ui, sans-serif);
    text-align: start;
  }
  .frame {
    position: relative;
    box-sizing: border-box;
    display: grid;
    /* The height .call has, also when it is only a max-height (no height set: 16:10 up to the screen). */
    flex: 1 1 auto;
    min-height: 0;
    grid: 'stage' minmax(0, 1fr) 'status' auto 'controls' auto / minmax(0, 1fr);
    gap: 0.5em;
    padding: 0.5em;
  }
  .stage {
    grid-area: stage;
    position: relative;
    width: 100%;
    height: 100%;
    min-height: 0;
    aspect-ratio: 16 / 10;
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
  /* The self-view: a corner tile, only its picture mirrored (a shared screen is not). */
  .self-view {
    position: absolute;
    inset: auto 0.5em 0.5em auto;
    width: min(30%, 200px);
    aspect-ratio: 4 / 3;
    object-fit: cover;
    border-radius: 8px;
    outline: 2px solid rgb(255 255 255 / 0.6);
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
    outline: 0;
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
  .status {
    grid-area: status;
    min-height: 1.4em;
    text-align: center;
    overflow-wrap: anywhere;
  }
  .controls {
    grid-area: controls;
    position: relative;
    display: flex;
    justify-content: center;
    gap: 0.5em;
  }
  button {
    font: inherit;
    min-width: 44px;
    min-height: 44px;
    padding: 0 1em;
    border: 0;
    border-radius: 999px;
    cursor: pointer;
    background: var(--rtc-call-button-background, #374151);
    color: inherit;
  }
  .join {
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
  @media (prefers-reduced-motion: reduce) {
    * {
      transition: none !important;
      animation: none !important;
    }
  }
`;
