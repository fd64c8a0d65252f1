import type { enChat } from './en-chat.js';
import type { enDevices } from './en-devices.js';

/**
 * English strings of the call view, in every page. The chat panel's ({@link enChat}) and the
 * settings' ({@link enDevices}) come with those chunks; a translation has all three.
 */
export const en = {
  'state.idle': 'Ready to join',
  'state.joining': 'Joining…',
  'state.waiting': 'Waiting for the other person to join',
  'state.connecting': 'Connecting…',
  'state.connected': 'Connected',
  'state.reconnecting': 'Connection lost, reconnecting…',
  'state.ended': 'Call ended',
  'state.replaced': 'The call continues in another tab.',
  'state.failed': 'Call failed',
  'action.join': 'Join call',
  'action.retry': 'Try again',
  'action.hangup': 'Hang up',
  'action.mic': 'Microphone',
  'action.camera': 'Camera',
  'action.screen': 'Share screen',
  'action.settings': 'Settings',
  'action.diagnostics': 'Copy diagnostics',
  'action.more': 'More',
  'action.fullscreen': 'Full screen',
  'action.pip': 'Picture in picture',
  'action.close': 'Close',
  'action.start-audio': 'Tap to hear',
  'controls.label': 'Call controls',
  'notice.copied': 'Diagnostics copied to the clipboard.',
  'notice.copy-failed': 'Could not copy the diagnostics.',
  'notice.no-devices': 'No camera or microphone found: you can still watch, listen and chat.',
  'notice.audio-only': 'No camera found: joining with audio only.',
  'notice.screen-failed': 'Could not share the screen.',
  'remote.muted': 'Microphone off',
  'remote.camera-off': 'Camera off',
  'remote.sharing': 'Sharing their screen',
  'notice.poor-connection': 'Poor connection',
  'chat.toggle': 'Chat',
  'chat.unread': '{n} new',
  'chat.new': 'New message: {text}',
  'signal.label': 'Connection quality: {bars} of 4',
  'video.local': 'Your camera',
  'video.remote': 'The other person',
  'error.permission-denied': 'Camera or microphone access was blocked. Allow it in the browser and try again.',
  'error.device-not-found': 'No camera or microphone was found.',
  'error.device-in-use': 'The camera or microphone is in use by another application.',
  'error.room-full': 'This call already has two people in it.',
  'error.unauthorized': 'You are not allowed to join this call.',
  'error.invalid-room': 'This room name is not valid.',
  'error.signaling-unreachable': 'Could not reach the call server. Check your connection and try again.',
  'error.ice-failed': 'Could not connect to the other person.',
  'error.unsupported-browser': 'This browser cannot make video calls.',
  'error.bad-ice-servers': 'The call’s ICE server settings are not valid.',
};

/** A set of widget strings, the shape every translation follows: every key of the three parts. */
export type Strings = { [K in keyof typeof en | keyof typeof enChat | keyof typeof enDevices]: string };

/** The strings an element has before any chunk: English's {@link en}, or a whole translation. */
export type CallStrings = { [K in keyof typeof en]: string } & Partial<Strings>;
