/** English strings of the widget; the shape every translation follows. */
export const en = {
  'state.idle': 'Ready to join',
  'state.joining': 'Joining…',
  'state.waiting': 'Waiting for the other person to join',
  'state.connecting': 'Connecting…',
  'state.connected': 'Connected',
  'state.reconnecting': 'Connection lost, reconnecting…',
  'state.ended': 'Call ended',
  'state.failed': 'Call failed',
  'action.join': 'Join call',
  'action.hangup': 'Hang up',
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
};

/** A set of widget strings: every key of {@link en}. */
export type Strings = { [K in keyof typeof en]: string };
