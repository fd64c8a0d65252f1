/** The capture kinds a local track can be switched between (`MediaDeviceInfo.kind`). */
export type InputKind = 'audioinput' | 'videoinput';

/** Options of {@link switchTrack}. */
export interface SwitchTrackOptions {
  /** The local stream whose track of `kind` is replaced in place. */
  stream: MediaStream;
  kind: InputKind;
  deviceId: string;
  /** The connection sending the old track, if any: its sender gets the new track. */
  pc?: RTCPeerConnection | null;
}

/**
 * Moves a local stream to another camera or microphone without renegotiating: acquires the new
 * device, hands it to the sender that carried the old track (`replaceTrack`), stops the old track
 * and swaps it in the stream. The new track inherits `enabled` (mute) and the old constraints.
 * A sender with no track (sending stopped on purpose) is left without one.
 * Rejects with the getUserMedia or replaceTrack error; on rejection the stream is unchanged
 * unless the old track had to be freed first (see {@link acquire}).
 */
export async function switchTrack({ stream, kind, deviceId, pc }: SwitchTrackOptions): Promise<MediaStreamTrack> {
  const type = kind === 'audioinput' ? 'audio' : 'video';
  const old = stream.getTracks().find((track) => track.kind === type) ?? null;
  const track = await acquire(type, deviceId, old);
  if (old) track.enabled = old.enabled;
  const sender = old && pc && pc.signalingState !== 'closed' ? pc.getSenders().find((s) => s.track === old) : undefined;
  try {
    await sender?.replaceTrack(track);
  } catch (error) {
    track.stop();
    throw error;
  }
  if (old) {
    stream.removeTrack(old);
    old.stop();
  }
  stream.addTrack(track);
  return track;
}

/** Opens one track of `deviceId`, keeping the old track's other constraints (resolution, processing). */
async function acquire(
  type: 'audio' | 'video',
  deviceId: string,
  old: MediaStreamTrack | null,
): Promise<MediaStreamTrack> {
  const constraints: MediaStreamConstraints = {
    [type]: { ...old?.getConstraints(), deviceId: { exact: deviceId } },
  };
  try {
    return (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0]!;
  } catch (error) {
    // Many phones cannot open a second camera while the first is open: free it and try once more.
    if (!old || old.readyState === 'ended' || (error as Error).name !== 'NotReadableError') throw error;
    old.stop();
    return (await navigator.mediaDevices.getUserMedia(constraints)).getTracks()[0]!;
  }
}
