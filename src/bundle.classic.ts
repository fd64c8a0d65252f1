// The classic-script twin of the drop-in (dist/rtc-call.iife.js), for editors that strip
// `type="module"`: one classic script tag that loads the ES module entry from next to itself (the
// import is CORS-mode, like a module script tag, and needs nothing more of the page's CSP). Loaded
// as /rtc-call.iife.<hash>.js (pinned, see /rtc-call.json) it loads the pinned entry of its own
// build; loaded as /rtc-call.iife.js, the latest entry.

/** The content-hashed name of this build's ES entry: rollup.config.mjs writes it in. */
const PINNED_ENTRY = 'rtc-call.js';

const src = (document.currentScript as HTMLScriptElement).src;
const pinned = /\.iife\.[0-9a-f]{10}\.js$/.test(new URL(src).pathname);
void import(new URL(pinned ? PINNED_ENTRY : 'rtc-call.js', src).href);
