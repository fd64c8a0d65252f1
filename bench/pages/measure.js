// Shared by the three benchmark pages, so that every variant is timed the same way.
// Times are wall-clock milliseconds (Date.now()): the two people of a call are two browser
// processes, and the wall clock is the one clock they share.

/**
 * Resolves with the time the first frame of `video` was handed to the compositor (decoded, about
 * to be on screen): the `presentationTime` of `requestVideoFrameCallback`, on the wall clock. The
 * callback itself runs later, when the page's main thread gets to it; video frames reach the screen
 * without waiting for that thread, so a page busy with its own rendering is not charged for it.
 */
export function firstFrame(video) {
  return new Promise((resolve) =>
    video.requestVideoFrameCallback((_now, { presentationTime }) =>
      resolve(Date.now() - (performance.now() - presentationTime)),
    ),
  );
}

/** The camera and microphone (fake devices in the benchmark), as every variant asks for them. */
export function camera() {
  return navigator.mediaDevices.getUserMedia({ audio: true, video: true });
}

/** A text of `size` ASCII characters (so `size` bytes on the wire, before any framing). */
export function textOf(size) {
  return 'x'.repeat(size);
}
