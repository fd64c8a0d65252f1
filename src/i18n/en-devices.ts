// English strings of the device settings: a chunk of their own with <rtc-device-picker>.

/** English strings of the device picker. */
export const enDevices = {
  'devices.audioinput': 'Microphone',
  'devices.videoinput': 'Camera',
  'devices.audiooutput': 'Speaker',
  'devices.permission': 'The browser shows the names of your camera and microphone once you allow access.',
  'devices.allow': 'Allow camera and microphone',
  'devices.preview': 'Camera preview',
  'devices.level': 'Microphone level',
  'devices.no-speaker': 'This browser cannot choose a speaker; sound plays on the system default output.',
};
