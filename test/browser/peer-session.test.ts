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

  it('a track added mid-call (video in an audio call) reaches the peer through a new offer, announced once', async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const audio = new MediaStream(stream.getAudioTracks());
    const sessions: Record<'a' | 'b', PeerSession | null> = { a: null, b: null };
    const wire =
      (to: 'a' | 'b') =>
      (signal: SignalPayload): void => {
        setTimeout(() => void sessions[to]?.receive(signal));
      };
    const a = new PeerSession({ polite: false, initiator: true, localStream: audio, send: wire('b') });
    const b = new PeerSession({ polite: true, initiator: false, localStream: audio, send: wire('a') });
    sessions.a = a;
    sessions.b = b;
    const announced: string[][] = [];
    b.addEventListener('remote-track', () => announced.push(b.remoteStream.getTracks().map((track) => track.kind)));
    try {
      await until(() => a.pc.connectionState === 'connected', 'the audio call to connect');
      await until(() => announced.length === 1, 'the audio track to be announced');
      await a.setLocalTrack('video', stream.getVideoTracks()[0]!, stream);
      await until(() => announced.length === 2, 'the video track to be announced');
      expect(announced).to.deep.equal([['audio'], ['audio', 'video']]);
      await until(() => a.pc.signalingState === 'stable' && b.pc.signalingState === 'stable', 'the new offer answered');
    } finally {
      a.close();
      b.close();
      for (const track of stream.getTracks()) track.stop();
    }
  });

  it("item 11, flaky calls: the initiator's first offer meets the peer's offer already waiting for it, and both connect", async () => {
    // The second person's camera started after the first person's hold ran out: the first
    // person's offer (and its candidates) waited for the second's peer connection, and reach it in
    // the same task that makes it. Had it offered too, the polite side would roll its offer back
    // and Chromium would gather no candidates for its answer: the call never connected.
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const sessions: Record<'a' | 'b', PeerSession | null> = { a: null, b: null };
    const waiting: SignalPayload[] = [];
    const a = new PeerSession({
      polite: false,
      initiator: false,
      answerTimeoutMs: 0,
      localStream: stream,
      send: (signal) => {
        if (sessions.b) setTimeout(() => void sessions.b?.receive(signal));
        else waiting.push(signal);
      },
    });
    sessions.a = a;
    let b: PeerSession | null = null;
    try {
      await until(
        () => waiting.some((signal) => 'candidate' in signal && signal.candidate === null),
        "a's offer and candidates",
      );
      b = new PeerSession({
        polite: true,
        initiator: true,
        localStream: stream,
        send: (signal) => setTimeout(() => void a.receive(signal)),
      });
      sessions.b = b;
      // As CallController replays the events that came before the call was set up: in this task.
      for (const signal of waiting) void b.receive(signal);
      const bSide = b;
      await until(
        () => a.pc.connectionState === 'connected' && bSide.pc.connectionState === 'connected',
        'both sides to connect',
      );
    } finally {
      a.close();
      b?.close();
      for (const track of stream.getTracks()) track.stop();
    }
  });
});
