import type { CandidatePayload, DescriptionPayload, SignalPayload } from '../protocol/signaling.js';

/** Options of {@link PeerSession}. */
export interface PeerSessionOptions {
  /** This side's role in perfect negotiation, as told by the server. */
  polite: boolean;
  /** Sends a description or candidate to the other peer (the injected signaling transport). */
  send: (signal: SignalPayload) => void;
  /** Local tracks to send from the start; more can be added later. */
  localStream?: MediaStream | null;
  rtcConfiguration?: RTCConfiguration;
  /**
   * Whether this side makes the first offer. The other side holds its own offers until the first
   * one arrives (or `answerTimeoutMs` passes), so the two never start with an offer collision.
   */
  initiator?: boolean;
  answerTimeoutMs?: number;
}

/**
 * One RTCPeerConnection to the other seat, negotiated with the W3C "perfect negotiation" pattern
 * and trickle ICE. Knows nothing of lit, the DOM, or socket.io: signals come in through
 * {@link PeerSession.receive} and go out through the injected `send`.
 *
 * Events: `remote-track` (the remote stream gained tracks: once per description), `connection-state`
 * (`pc.connectionState` changed), `channel` / `control` (that data channel was made again after it closed),
 * `negotiation-error` (detail in `lastError`).
 */
export class PeerSession extends EventTarget {
  /** The connection (exposed for diagnostics and stats). */
  readonly pc: RTCPeerConnection;
  /** Every track the peer sends, in one stream. */
  readonly remoteStream = new MediaStream();
  /**
   * The chat channel, negotiated out of band (id 0) so neither side has to create it first. If it
   * closes while the connection lives, both sides make it again and `channel` fires.
   */
  channel: RTCDataChannel;
  /** Small control messages (media state), negotiated as id 1; made again like `channel` (`control` fires). */
  control: RTCDataChannel;
  /** The last negotiation error, for diagnostics. */
  lastError: unknown = null;

  readonly #polite: boolean;
  readonly #send: (signal: SignalPayload) => void;
  #makingOffer = false;
  #ignoreOffer = false;
  #closed = false;
  #holdOffers: boolean;
  #offerWanted = false;
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  #newTracks: MediaStreamTrack[] = [];
  // Signals are applied one at a time, in the order they arrived.
  #inbox: Promise<void> = Promise.resolve();
  // The peer's DTLS role ('active' or 'passive'), from the first answer (see #offerPayload).
  #peerDtlsRole: string | undefined;

  constructor(options: PeerSessionOptions) {
    super();
    this.#polite = options.polite;
    this.#send = options.send;
    this.pc = new RTCPeerConnection(options.rtcConfiguration);
    this.channel = this.#dataChannel(0);
    this.control = this.#dataChannel(1);

    // A collision-free start saves a round trip, and rolling back a first offer in a collision
    // was seen to leave Chromium 156 gathering no candidates at all (issue 13, item 11).
    this.#holdOffers = options.initiator === false;
    if (this.#holdOffers) {
      this.#holdTimer = setTimeout(() => this.#releaseOffers(), options.answerTimeoutMs ?? 4000);
    }
    this.pc.addEventListener('negotiationneeded', () => {
      if (this.#holdOffers) this.#offerWanted = true;
      else void this.#offer();
    });
    this.pc.addEventListener('icecandidate', ({ candidate }) => {
      this.#send({ candidate: candidate ? candidatePayload(candidate) : null });
    });
    // Taken in once the description that brought them is applied and answered (#apply): work done
    // between the track events would hold up the answer.
    this.pc.addEventListener('track', ({ track }) => this.#newTracks.push(track));
    this.pc.addEventListener('connectionstatechange', () => this.dispatchEvent(new Event('connection-state')));

    for (const track of options.localStream?.getTracks() ?? []) this.pc.addTrack(track, options.localStream!);
    // The initiator's first offer starts in this task, not on `negotiationneeded`: that event is a
    // task, queued behind whatever the page renders meanwhile. The spec then drops the pending
    // event (the operations chain is busy, then the state is not stable), so only one offer goes
    // out. None goes out when signals of the peer came in the same task (CallController replays
    // what arrived while the camera was starting): the peer's wait ran out and it offered first,
    // so this side answers instead of colliding with it.
    const inbox = this.#inbox;
    if (options.initiator) queueMicrotask(() => this.#inbox === inbox && this.#offer());
  }

  /** Chat (id 0) or control (id 1): either is made again when it closes while the connection lives. */
  #dataChannel(id: 0 | 1): RTCDataChannel {
    const channel = this.pc.createDataChannel(id ? 'rtc-control' : 'rtc-call', { negotiated: true, id });
    channel.addEventListener('close', () => {
      if (this.#closed || this.pc.connectionState === 'closed') return;
      if (id) this.control = this.#dataChannel(1);
      else this.channel = this.#dataChannel(0);
      this.dispatchEvent(new Event(id ? 'control' : 'channel'));
    });
    return channel;
  }

  /** Whether this side yields in an offer collision. */
  get polite(): boolean {
    return this.#polite;
  }

  /** Applies a description or candidate from the other peer. Never throws: errors become events. */
  receive(signal: SignalPayload): Promise<void> {
    this.#inbox = this.#inbox.then(() => this.#apply(signal)).catch((error: unknown) => this.#fail(error));
    return this.#inbox;
  }

  /** Sends the pending local offer again (it may have been lost while signaling was away). */
  resendOffer(): void {
    const offer = this.pc.localDescription;
    if (!this.#closed && this.pc.signalingState === 'have-local-offer' && offer) {
      this.#send({ description: this.#offerPayload(offer) });
    }
  }

  /** Restarts ICE (new candidates, same media); `rtcConfiguration` may carry fresh TURN credentials. */
  restartIce(rtcConfiguration?: RTCConfiguration): void {
    if (this.#closed) return;
    if (rtcConfiguration) this.pc.setConfiguration({ ...this.pc.getConfiguration(), ...rtcConfiguration });
    this.pc.restartIce();
  }

  /**
   * Sends `track` as this side's `kind` media: replaces the track of the existing sender (no
   * renegotiation), or adds one when there is none yet (audio-only call starting a screen share).
   */
  async setLocalTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null, stream: MediaStream): Promise<void> {
    if (this.#closed) return;
    const sender = this.pc.getSenders().find((candidate) => candidate.track?.kind === kind) ?? this.#idleSender(kind);
    if (sender) {
      await sender.replaceTrack(track);
      return;
    }
    if (track) this.pc.addTrack(track, stream);
  }

  /** A sender of the given kind whose track was replaced by null (camera off, share ended). */
  #idleSender(kind: string): RTCRtpSender | undefined {
    return this.pc
      .getTransceivers()
      .find((t) => t.receiver.track.kind === kind && t.sender.track === null && t.direction.startsWith('send'))?.sender;
  }

  /** Closes the connection. Local tracks are the caller's to stop. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#holdTimer);
    this.channel.close();
    this.control.close();
    this.pc.close();
    for (const track of this.remoteStream.getTracks()) track.stop();
  }

  /** Stops holding offers; makes the one that was wanted meanwhile, if any and still needed. */
  #releaseOffers(): void {
    clearTimeout(this.#holdTimer);
    if (!this.#holdOffers) return;
    this.#holdOffers = false;
    if (this.#offerWanted && this.pc.signalingState === 'stable') void this.#offer();
  }

  async #offer(): Promise<void> {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      this.#send({ description: this.#offerPayload(this.pc.localDescription!) });
    } catch (error) {
      this.#fail(error);
    } finally {
      this.#makingOffer = false;
    }
  }

  async #apply(signal: SignalPayload): Promise<void> {
    if (this.#closed) return;
    if ('description' in signal) {
      const { description } = signal;
      const offerCollision = description.type === 'offer' && (this.#makingOffer || this.pc.signalingState !== 'stable');
      this.#ignoreOffer = !this.#polite && offerCollision;
      if (this.#ignoreOffer) return;
      try {
        await this.pc.setRemoteDescription(description);
        // The first answer fixes the DTLS roles for this connection's life.
        if (description.type === 'answer') this.#peerDtlsRole ??= SETUP.exec(description.sdp)?.[1];
        this.#releaseOffers();
        if (description.type === 'offer') {
          const answering = this.pc.setLocalDescription();
          this.#announceTracks(); // the page renders while the browser makes the answer
          await answering;
          this.#peerDtlsRole ??= SETUP.exec(this.pc.localDescription!.sdp)?.[1] === 'active' ? 'passive' : 'active';
          this.#send({ description: descriptionPayload(this.pc.localDescription!) });
        }
      } finally {
        this.#announceTracks();
      }
    } else if (signal.candidate) {
      try {
        await this.pc.addIceCandidate(signal.candidate);
      } catch (error) {
        // Candidates of an offer we ignored are expected to fail.
        if (!this.#ignoreOffer) throw error;
      }
    }
  }

  /**
   * A re-offer as sent: saying this side's DTLS role instead of `actpass`. Firefox 153 answers an
   * `actpass` re-offer with `a=setup:active` even when it has been the DTLS server since its own
   * first offer (Mozilla bug 1329028); Chromium 156 refuses that role change ("Failed to set SSL
   * role for the transport"), so a re-offer from Chromium after it answered Firefox's first offer
   * (an ICE restart, a screen share added to an audio-only call) never completed: the call stayed
   * in `have-local-offer`. A re-offer keeps the DTLS association, so the roles cannot change
   * anyway; an offer that names its role (RFC 4145 `setup`) gets an answer with the other one, in
   * both browsers. One transport (BUNDLE): one role in every section.
   */
  #offerPayload(offer: RTCSessionDescription): DescriptionPayload {
    const peer = this.#peerDtlsRole;
    const sdp = peer
      ? offer.sdp.replace(/a=setup:actpass/g, peer === 'active' ? 'a=setup:passive' : 'a=setup:active')
      : offer.sdp;
    return { type: 'offer', sdp };
  }

  /** Adds the tracks the last description brought to the remote stream; fires `remote-track` once. */
  #announceTracks(): void {
    if (this.#closed || !this.#newTracks.length) return;
    for (const track of this.#newTracks.splice(0)) {
      if (!this.remoteStream.getTracks().includes(track)) this.remoteStream.addTrack(track);
      track.addEventListener('ended', () => this.remoteStream.removeTrack(track));
    }
    this.dispatchEvent(new Event('remote-track'));
  }

  #fail(error: unknown): void {
    if (this.#closed) return;
    this.lastError = error;
    this.dispatchEvent(new Event('negotiation-error'));
  }
}

/** The DTLS role in an answer (RFC 5763 `a=setup`). */
const SETUP = /a=setup:(active|passive)/;

function descriptionPayload(description: RTCSessionDescription): DescriptionPayload {
  return { type: description.type, sdp: description.sdp };
}

function candidatePayload(candidate: RTCIceCandidate): CandidatePayload {
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid,
    sdpMLineIndex: candidate.sdpMLineIndex,
    usernameFragment: candidate.usernameFragment,
  };
}
