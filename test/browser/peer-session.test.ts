import { expect } from '@open-wc/testing';
import type { SignalPayload } from '../../src/protocol/signaling.js';
import { PeerSession } from '../../src/webrtc/peer-session.js';
import { until } from './helpers.js';

describe('PeerSession', () => {
  it('the initiator sends its first offer without waiting for negotiationneeded, and only one; tracks come in once', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const offers: string[] = [];
    const sessions: Record<'a' | 'b', PeerSession | null> = { a: null, b: null };
    // Two sessions wired in memory; each signal arrives in a later task, as over a network.
    const wire =
      (from: 'a' | 'b', to: 'a' | 'b') =>
      (signal: SignalPayload): void => {
        if ('description' in signal && signal.description.type === 'offer') offers.push(from);
        setTimeout(() => void sessions[to]?.receive(signal));
      };
    const a = new PeerSession({ polite: false, initiator: true, localStream: stream, send: wire('a', 'b') });
    let negotiationNeeded = 0;
    a.pc.addEventListener('negotiationneeded', () => (negotiationNeeded += 1));
    const b = new PeerSession({ polite: true, initiator: false, localStream: stream, send: wire('b', 'a') });
    // Tracks come in once per description, all at once, after the answer is under way.
    const announced: Array<{ tracks: number; signaling: RTCSignalingState }> = [];
    b.addEventListener('remote-track', () =>
      announced.push({ tracks: b.remoteStream.getTracks().length, signaling: b.pc.signalingState }),
    );
    sessions.a = a;
    sessions.b = b;
    try {
      await until(
        () => a.pc.connectionState === 'connected' && b.pc.connectionState === 'connected',
        'both sides to connect',
      );
      await until(() => b.remoteStream.getVideoTracks().length === 1, 'the video to arrive');
      expect(offers).to.deep.equal(['a']);
      expect(negotiationNeeded).to.equal(0);
      expect(a.pc.signalingState).to.equal('stable');
      expect(announced).to.deep.equal([{ tracks: 2, signaling: 'have-remote-offer' }]);
    } finally {
      a.close();
      b.close();
      for (const track of stream.getTracks()) track.stop();
    }
  });
});
