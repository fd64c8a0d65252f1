import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '../../src/rtc-call.js';
import type { RtcCall } from '../../src/components/rtc-call/rtc-call.component.js';
import {
  expectRemoteVideoFlowing,
  isFirefox,
  relayAddresses,
  selectedCandidates,
  uniqueRoom,
  until,
  untilState,
  type TurnSetup,
} from './helpers.js';

describe('<rtc-call> through a real coturn', () => {
  afterEach(() => fixtureCleanup());

  it('makes a relay-only call with credentials minted by the server, and both sides decode video', async () => {
    const turn = await executeServerCommand<TurnSetup, undefined>('coturn-start');
    const room = uniqueRoom('relay');
    const wrapper = await fixture<HTMLDivElement>(html`
      <div>
        <rtc-call room=${room} signaling=${turn.signaling}></rtc-call>
        <rtc-call room=${room} signaling=${turn.signaling}></rtc-call>
      </div>
    `);
    const calls = [...wrapper.querySelectorAll('rtc-call')] as RtcCall[];
    for (const call of calls) call.iceTransportPolicy = 'relay'; // no host or srflx path may be used
    await Promise.all(calls.map((call) => call.join()));
    await Promise.all(calls.map((call) => untilState(call, 'connected')));
    await Promise.all(calls.map((call) => expectRemoteVideoFlowing(call)));

    for (const [call, peer] of [calls, [...calls].reverse()] as Array<[RtcCall, RtcCall]>) {
      const pc = call.peerConnection!;
      const { iceServers = [], iceTransportPolicy } = pc.getConfiguration();
      expect(iceTransportPolicy).to.equal('relay');
      // The server handed out coturn REST credentials: "<unix expiry>:<peer id>" and an HMAC.
      const server = iceServers.find((entry) => [entry.urls].flat().includes(turn.url));
      expect(server, 'the TURN server came from JoinOk').to.not.equal(undefined);
      expect(server!.username).to.match(/^\d{10}:[A-Za-z0-9_-]{16}$/);
      expect(server!.credential).to.match(/^[A-Za-z0-9+/]{27}=$/);
      let pair: Awaited<ReturnType<typeof selectedCandidates>> = {};
      await until(async () => {
        pair = await selectedCandidates(pc);
        return pair.local !== undefined && pair.remote !== undefined;
      }, 'a selected candidate pair');
      expect(pair.local!.candidateType).to.equal('relay');
      // The far end of the pair is one of the peer's own TURN allocations: relay to relay.
      expect(await relayAddresses(peer.peerConnection!)).to.include(`${pair.remote!.address}:${pair.remote!.port}`);
      // Chromium names it after the peer's signaled relay candidate. Firefox keeps the type it
      // learned first: peer-reflexive, when the peer's check came through before its candidate.
      expect(pair.remote!.candidateType).to.be.oneOf(isFirefox ? ['relay', 'prflx'] : ['relay']);
    }
  });

  it('an ICE restart with fresh credentials recovers a relayed call whose coturn was restarted', async function () {
    this.timeout(120_000); // ICE has to notice the loss before it can restart
    const turn = await executeServerCommand<TurnSetup, undefined>('coturn-start');
    const room = uniqueRoom('ice-restart');
    const wrapper = await fixture<HTMLDivElement>(html`
      <div>
        <rtc-call room=${room} signaling=${turn.signaling}></rtc-call>
        <rtc-call room=${room} signaling=${turn.signaling}></rtc-call>
      </div>
    `);
    const calls = [...wrapper.querySelectorAll('rtc-call')] as RtcCall[];
    for (const call of calls) call.iceTransportPolicy = 'relay';
    await Promise.all(calls.map((call) => call.join()));
    await Promise.all(calls.map((call) => untilState(call, 'connected')));
    await Promise.all(calls.map((call) => expectRemoteVideoFlowing(call)));
    const connections = calls.map((call) => call.peerConnection);
    const usernames = calls.map((call) => call.peerConnection!.getConfiguration().iceServers?.[0]?.username);
    const ufrags = calls.map((call) => /a=ice-ufrag:(\S+)/.exec(call.peerConnection!.localDescription!.sdp)?.[1]);
    const saw = calls.map(() => new Set<string>());
    calls.forEach((call, i) => call.addEventListener('rtc-state-change', () => saw[i]!.add(call.state)));

    // Every allocation is lost: the relayed path dies, ICE fails, the widget restarts it.
    await executeServerCommand<TurnSetup, undefined>('coturn-restart');
    await Promise.all(calls.map((call) => untilState(call, 'reconnecting', 30_000)));
    await Promise.all(calls.map((call) => untilState(call, 'connected', 45_000)));
    await Promise.all(calls.map((call) => expectRemoteVideoFlowing(call)));

    calls.forEach((call, i) => {
      expect(call.peerConnection, 'the same RTCPeerConnection').to.equal(connections[i]);
      const ufrag = /a=ice-ufrag:(\S+)/.exec(call.peerConnection!.localDescription!.sdp)?.[1];
      expect(ufrag, 'new ICE credentials: an ICE restart happened').to.not.equal(ufrags[i]);
      expect([...saw[i]!]).to.include.members(['reconnecting', 'connected']);
      // A side that restarted ICE itself asked for fresh credentials first; the other side may
      // simply have answered the restart with the (still valid) ones it had.
      const restarted = (JSON.parse(call.diagnostics()) as { iceRestarts: number }).iceRestarts > 0;
      const fresh = call.peerConnection!.getConfiguration().iceServers?.[0]?.username;
      if (restarted) expect(fresh, 'credentials minted anew for the restart').to.not.equal(usernames[i]);
    });
    const restarts = calls.map((call) => (JSON.parse(call.diagnostics()) as { iceRestarts: number }).iceRestarts);
    expect(Math.max(...restarts)).to.be.greaterThan(0);
  });

  it('the coturn-restart command restarts coturn on the same port (for ICE-restart tests)', async () => {
    const before = await executeServerCommand<TurnSetup, undefined>('coturn-start');
    const after = await executeServerCommand<TurnSetup, undefined>('coturn-restart');
    expect(after).to.deep.equal(before);
  });
});
