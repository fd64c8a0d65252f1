export { RtcCall } from './components/rtc-call/rtc-call.component.js';
export { CallController, type CallError, type CallErrorCode, type CallState } from './controllers/call-controller.js';
export { UserMediaController, MediaError, type MediaErrorCode } from './controllers/user-media-controller.js';
export { RtcErrorEvent, RtcPeerJoinEvent, RtcPeerLeaveEvent, RtcStateChangeEvent } from './events/events.js';
export { LANGUAGES, stringsFor, type Strings } from './i18n/index.js';
export { SignalingClient, SignalingError } from './signaling/signaling-client.js';
export { PeerSession, type PeerSessionOptions } from './webrtc/peer-session.js';
export * from './protocol/signaling.js';
export * from './protocol/errors.js';
