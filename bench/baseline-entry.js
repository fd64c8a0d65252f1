// What any widget built on lit and socket.io-client ships before its own code: the parts of the
// two libraries rtc-call imports. Bundled by bench/bundle-size.ts with rollup.config.mjs's setup.
export { LitElement, css, html, nothing } from 'lit';
export { io } from 'socket.io-client';
