export { RtcCall } from './components/rtc-call/rtc-call.component.js';
export { RtcDevicePicker, type DeviceCall } from './components/rtc-device-picker/rtc-device-picker.component.js';
export { CallController, type CallError, type CallErrorCode, type CallState } from './controllers/call-controller.js';
export { UserMediaController, MediaError, type MediaErrorCode } from './controllers/user-media-controller.js';
export {
  DevicesController,
  mediaConstraints,
  type DeviceChoice,
  type DeviceKind,
  type DevicesOptions,
} from './controllers/devices-controller.js';
export {
  CallSession,
  type CallMedia,
  type CallSessionOptions,
  type CallSettings,
  type CallSignaling,
} from './call/call-session.js';
export { UserMedia } from './call/user-media.js';
export {
  RtcDeviceChangeEvent,
  RtcErrorEvent,
  RtcPeerJoinEvent,
  RtcPeerLeaveEvent,
  RtcStateChangeEvent,
} from './events/events.js';
export { LANGUAGES, stringsFor, type Strings } from './i18n/index.js';
export { SignalingClient, SignalingError } from './signaling/signaling-client.js';
export { PeerSession, type PeerSessionOptions } from './webrtc/peer-session.js';
export { switchTrack, type InputKind, type SwitchTrackOptions } from './webrtc/switch-track.js';
export * from './protocol/signaling.js';
export * from './protocol/errors.js';
