import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'puppeteer-core';
import { buildApp } from '../../server/app.js';
import { startApp } from '../server/helpers.js';
import { startCoturn } from '../support/coturn.js';
import {
  assertNoErrors,
  button,
  click,
  launchChromium,
  launchFirefox,
  meet,
  person,
  rtcErrors,
  selectedCandidateTypes,
  signalingLog,
  until,
  waitForRemoteVideo,
  waitForState,
  type Engine,
  type Person,
} from './engines.js';

// One call between Chromium and Firefox per test, on the real demo page of a real server, in both
// orders: the side that joins second makes the first offer (DESIGN.md §2), and meet() checks from
// both connections' signaling states that it did. Each order launches its two browsers once; each
// test takes new contexts (two new people) in them.

/** What the peer element says the other side sends, and the badges it shows for it. */
interface Seen {
  audio: boolean;
  video: boolean;
  screen: boolean;
  badges: string[];
}

const ALL_ON: Seen = { audio: true, video: true, screen: false, badges: [] };

/** Resolves when `page`'s `<rtc-call>` reports the peer's media as `seen` and shows exactly its badges. */
function seesPeer(who: Person, seen: Seen): Promise<void> {
  return until(
    who.page,
    `${who.engine} sees the peer as ${JSON.stringify(seen)}`,
    (wanted: Seen) => {
      const el = document.querySelector('rtc-call') as unknown as {
        remoteMedia: { audio: boolean; video: boolean; screen: boolean } | null;
        shadowRoot: ShadowRoot;
      };
      const media = el.remoteMedia;
      const badges = [...el.shadowRoot.querySelectorAll('.badges .badge')].map((b) => b.textContent?.trim());
      return (
        !!media &&
        media.audio === wanted.audio &&
        media.video === wanted.video &&
        media.screen === wanted.screen &&
        JSON.stringify(badges) === JSON.stringify(wanted.badges)
      );
    },
    seen,
  );
}

/** The ICE username fragment of the page's current local description. */
function localUfrag(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const el = document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection };
    return /a=ice-ufrag:(\S+)/.exec(el.peerConnection.localDescription?.sdp ?? '')?.[1];
  });
}

const ORDERS: Array<{ offerer: Engine; answerer: Engine }> = [
  { offerer: 'chromium', answerer: 'firefox' },
  { offerer: 'firefox', answerer: 'chromium' },
];
const NAME: Record<Engine, string> = { chromium: 'Chromium', firefox: 'Firefox' };

// One signaling server for the whole file (each test takes a room of its own).
let url = '';
let server: FastifyInstance | undefined;
before(async () => {
  server = await buildApp({ logLevel: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});
after(() => server?.close());

for (const order of ORDERS) {
  describe(`Chromium ↔ Firefox, ${NAME[order.offerer]} offers first`, () => {
    const browsers: Partial<Record<Engine, Browser>> = {};
    before(async () => {
      [browsers.chromium, browsers.firefox] = await Promise.all([launchChromium(), launchFirefox()]);
    });
    after(async () => {
      await Promise.all(Object.values(browsers).map((browser) => browser.close()));
    });

    /** Two new people in a new room; the order's answerer joins first, so the offerer offers first. */
    async function call(
      t: TestContext,
      server = url,
      prepare?: string,
    ): Promise<{ offerer: Person; answerer: Person; chromium: Person; firefox: Person }> {
      const offerer = await person(browsers[order.offerer]!, order.offerer);
      const answerer = await person(browsers[order.answerer]!, order.answerer);
      t.after(() => Promise.all([offerer.context.close(), answerer.context.close()]));
      const room = `mixed-${randomBytes(6).toString('hex')}`;
      await meet(server, room, answerer, offerer, prepare);
      const [chromium, firefox] = order.offerer === 'chromium' ? [offerer, answerer] : [answerer, offerer];
      return { offerer, answerer, chromium, firefox };
    }

    test('connected: each side decodes the other’s video and receives its audio', async (t) => {
      const { chromium, firefox } = await call(t);
      await Promise.all([
        waitForRemoteVideo(chromium.page, { audio: true }),
        waitForRemoteVideo(firefox.page, { audio: true }),
      ]);
      await assertNoErrors(chromium, firefox);
    });

    test('the longest chat message, of characters JSON escapes to 6 bytes each, crosses each way intact (under both engines’ max-message-size)', async (t) => {
      const { chromium, firefox } = await call(t);
      for (const [from, to] of [
        [chromium, firefox],
        [firefox, chromium],
      ] as const) {
        // 4,000 UTF-16 code units (the limit): control characters and lone surrogates, about 24 KB
        // of JSON, the largest chat frame there is (DESIGN.md §7).
        const sent = await from.page.evaluate(async (engine: string) => {
          const el = document.querySelector('rtc-call') as unknown as {
            peerConnection: RTCPeerConnection;
            sendMessage(t: string): Promise<{ status: string }>;
          };
          const text = engine[0] + '\u0001'.repeat(1999) + '\ud800'.repeat(2000);
          const message = await el.sendMessage(text);
          return {
            length: text.length,
            json: JSON.stringify(text).length,
            status: message.status,
            max: el.peerConnection.sctp?.maxMessageSize ?? 0,
          };
        }, from.engine);
        assert.equal(sent.length, 4000);
        assert.ok(sent.json > 23_000, `a frame of ${sent.json} bytes`);
        assert.ok(sent.max > sent.json + 1000, `${from.engine}'s max-message-size ${sent.max} fits it`);
        await until(
          to.page,
          `${to.engine} gets ${from.engine}'s longest message intact`,
          (engine: string) => {
            const el = document.querySelector('rtc-call') as unknown as {
              messages: Array<{ from: string; text: string }>;
            };
            const want = engine[0] + '\u0001'.repeat(1999) + '\ud800'.repeat(2000);
            return el.messages.filter((m) => m.from === 'remote' && m.text === want).length === 1;
          },
          from.engine,
        );
        assert.notEqual(sent.status, 'failed');
      }
      await assertNoErrors(chromium, firefox);
    });

    // The ICE restart on the way: by Firefox, and only where Firefox offered first. That is the one
    // combination in which the two engines restart ICE on a live path reliably; in every other one
    // the engines' interop bug (DESIGN.md §5, the todos below) can leave one side receiving nothing
    // at all, chat included (seen once in a fresh-clone npm test: Chromium never got all 40 of
    // Firefox's messages after Firefox restarted in the Chromium-first order).
    const chatRestarter = order.offerer === 'firefox' ? 'firefox' : null;
    test(`chat: 40 messages each way arrive exactly once, in order, through ${chatRestarter ? 'an ICE restart by Firefox and ' : ''}a data channel reopen`, async (t) => {
      const { offerer, answerer } = await call(t);
      const COUNT = 40;
      // The widget allows 5 messages a second (bursts of 10): pace just under it.
      const PACE_MS = 210;
      const people = [offerer, answerer];
      for (const who of people) {
        await who.page.evaluate(() => {
          const el = document.querySelector('rtc-call') as unknown as {
            peerConnection: RTCPeerConnection;
            dataChannel: RTCDataChannel;
          };
          Object.assign(window, { __sent: [], __pc: el.peerConnection, __dc: el.dataChannel });
        });
      }
      const ufrags = await Promise.all(people.map((who) => localUfrag(who.page)));
      const sent = new Map<Person, number>(people.map((who) => [who, 0]));
      const sender = async (who: Person): Promise<void> => {
        for (let i = 1; i <= COUNT; i++) {
          await who.page.evaluate((text: string) => {
            const el = document.querySelector('rtc-call') as unknown as { sendMessage(t: string): Promise<unknown> };
            (window as unknown as { __sent: Array<Promise<string>> }).__sent.push(
              el.sendMessage(text).then(
                () => 'ok',
                (error: { code?: string }) => `refused: ${error.code}`,
              ),
            );
          }, `${who.engine}-${i}`);
          sent.set(who, i);
          await new Promise((resolve) => setTimeout(resolve, PACE_MS));
        }
      };
      const sentBy = async (who: Person, n: number): Promise<void> => {
        while (sent.get(who)! < n) await new Promise((resolve) => setTimeout(resolve, 50));
      };
      // Across the two orders each engine closes the chat channel once (the offerer closes it).
      const disruptions = async (): Promise<void> => {
        await sentBy(offerer, 10);
        if (chatRestarter) await restartAndReconnect();
        await sentBy(offerer, 25);
        await offerer.page.evaluate(() =>
          (document.querySelector('rtc-call') as unknown as { dataChannel: RTCDataChannel }).dataChannel.close(),
        );
      };
      const restartAndReconnect = async (): Promise<void> => {
        await offerer.page.evaluate(() =>
          (
            document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }
          ).peerConnection.restartIce(),
        );
        for (const [i, who] of people.entries()) {
          await until(
            who.page,
            `${who.engine}: new ICE credentials, connected again`,
            (old: string | undefined) => {
              const pc = (document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection })
                .peerConnection;
              const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1];
              return ufrag !== old && pc.signalingState === 'stable' && pc.connectionState === 'connected';
            },
            ufrags[i],
          );
        }
      };
      await Promise.all([sender(offerer), sender(answerer), disruptions()]);

      const remoteTexts = (who: Person): Promise<string[]> =>
        who.page.evaluate(() =>
          (
            document.querySelector('rtc-call') as unknown as { messages: Array<{ from: string; text: string }> }
          ).messages
            .filter((m) => m.from === 'remote')
            .map((m) => m.text),
        );
      const expected = (engine: Engine): string[] => Array.from({ length: COUNT }, (_, i) => `${engine}-${i + 1}`);
      for (const who of people) {
        const other = who === offerer ? answerer : offerer;
        await until(
          who.page,
          `${who.engine} has ${COUNT} messages from ${other.engine}`,
          (n: number) =>
            (document.querySelector('rtc-call') as unknown as { messages: Array<{ from: string }> }).messages.filter(
              (m) => m.from === 'remote',
            ).length >= n,
          COUNT,
        );
        assert.deepEqual(await remoteTexts(who), expected(other.engine), `${who.engine} has each text once, in order`);
        const results = await who.page.evaluate(() =>
          Promise.all((window as unknown as { __sent: Array<Promise<string>> }).__sent),
        );
        assert.deepEqual(results, Array(COUNT).fill('ok'), `every sendMessage() of ${who.engine} resolved`);
      }
      // What happened on the way: ICE restarted on the same connection, the chat channel was made anew.
      for (const [i, who] of people.entries()) {
        const now = await who.page.evaluate(() => {
          const el = document.querySelector('rtc-call') as unknown as {
            peerConnection: RTCPeerConnection;
            dataChannel: RTCDataChannel;
          };
          const before = window as unknown as { __pc: RTCPeerConnection; __dc: RTCDataChannel };
          return {
            samePc: el.peerConnection === before.__pc,
            oldChannel: before.__dc.readyState,
            newChannel: el.dataChannel !== before.__dc ? el.dataChannel.readyState : 'not remade',
          };
        });
        assert.deepEqual(now, { samePc: true, oldChannel: 'closed', newChannel: 'open' }, who.engine);
        if (chatRestarter) {
          assert.notEqual(await localUfrag(who.page), ufrags[i], `${who.engine} has new ICE credentials`);
        }
      }
      // The offerer's own offers: the first one, plus the ICE restart where there was one.
      const offers = (await signalingLog(offerer.page)).filter((s) => s === 'have-local-offer').length;
      assert.equal(offers, chatRestarter ? 2 : 1, `${offerer.engine}'s offers`);
      await assertNoErrors(offerer, answerer);
    });

    for (const restarter of ['chromium', 'firefox'] as const) {
      // Not yet true, so a todo (it runs and reports, but does not fail the suite; DESIGN.md §5).
      // After Chromium restarts ICE on a path that still works, Firefox 153 often receives no more
      // media: an engine interop bug, seen as well with two plain RTCPeerConnections and unmunged
      // offers (there Firefox got no data-channel message either). Chromium 156 checks its new
      // candidates against Firefox's previous generation too; Firefox's old ICE session answers
      // those checks but ignores their nomination, so Chromium, when ICE-controlling (it takes the
      // role for its restart; Firefox's new session may win it back), nominates new port →
      // Firefox's old port and never checks Firefox's new one, whose session stays `checking`
      // while both `connectionState`s say `connected`. A second restart from either side made it
      // worse.
      // After Firefox restarts, Firefox lost its media in 2 of 5 runs when Chromium had offered first
      // (0 of 5 the other way): Chromium, answering and ICE-controlling, nominated the same pair.
      const todo = `after ${NAME[restarter]} restarts ICE on a live path, one side may stop receiving media`;
      test(
        `${NAME[restarter]} restarts ICE on a live path: both sides keep decoding video and audio`,
        { todo },
        async (t) => {
          const people = await call(t);
          const [who, other] =
            restarter === 'chromium' ? [people.chromium, people.firefox] : [people.firefox, people.chromium];
          await Promise.all([waitForRemoteVideo(who.page), waitForRemoteVideo(other.page)]);
          const ufrags = await Promise.all([localUfrag(who.page), localUfrag(other.page)]);
          await who.page.evaluate(() =>
            (
              document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }
            ).peerConnection.restartIce(),
          );
          for (const [i, side] of [who, other].entries()) {
            await until(
              side.page,
              `${side.engine}: new ICE credentials, connected again`,
              (old: string | undefined) => {
                const pc = (document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection })
                  .peerConnection;
                const ufrag = /a=ice-ufrag:(\S+)/.exec(pc.localDescription?.sdp ?? '')?.[1];
                return ufrag !== old && pc.signalingState === 'stable' && pc.connectionState === 'connected';
              },
              ufrags[i],
            );
          }
          await Promise.all([
            waitForRemoteVideo(who.page, { audio: true }),
            waitForRemoteVideo(other.page, { audio: true }),
          ]);
          await assertNoErrors(who, other);
        },
      );
    }

    test('mute, camera off and screen share of each side are seen by the other', async (t) => {
      const { chromium, firefox } = await call(t);
      for (const [actor, viewer] of [
        [firefox, chromium],
        [chromium, firefox],
      ] as const) {
        await seesPeer(viewer, ALL_ON);
        await click(actor.page, 'Microphone');
        await seesPeer(viewer, { audio: false, video: true, screen: false, badges: ['Microphone off'] });
        await click(actor.page, 'Camera');
        await seesPeer(viewer, { audio: false, video: false, screen: false, badges: ['Camera off', 'Microphone off'] });
        await click(actor.page, 'Microphone');
        await click(actor.page, 'Camera');
        await seesPeer(viewer, ALL_ON);
      }

      // Chromium shares its screen (--auto-select-desktop-capture-source picks it): Firefox is told
      // and decodes the shared screen in place of the camera.
      await click(chromium.page, 'Share screen');
      await seesPeer(firefox, { audio: true, video: true, screen: true, badges: ['Sharing their screen'] });
      const screenSent = await chromium.page.evaluate(() => {
        const el = document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection };
        const track = el.peerConnection.getSenders().find((s) => s.track?.kind === 'video')?.track;
        return (track?.getSettings() as { displaySurface?: string } | undefined)?.displaySurface;
      });
      assert.equal(screenSent, 'monitor', 'Chromium sends the screen');
      await waitForRemoteVideo(firefox.page);
      await click(chromium.page, 'Share screen');
      await seesPeer(firefox, ALL_ON);

      // Headless Firefox has no screen to capture (getDisplayMedia rejects with NotFoundError): the
      // element says so, the call goes on, and Chromium is never told of a share.
      await click(firefox.page, 'Share screen');
      await until(
        firefox.page,
        'Firefox says the screen could not be shared',
        (text: string) =>
          document.querySelector('rtc-call')!.shadowRoot!.querySelector('.sr-only')?.textContent?.trim() === text,
        'Could not share the screen.',
      );
      assert.equal(await (await button(firefox.page, 'Share screen')).evaluate((b) => b.ariaPressed), 'false');
      // The control channel is ordered: once Chromium sees this mute, any share state was before it.
      await click(firefox.page, 'Microphone');
      await seesPeer(chromium, { audio: false, video: true, screen: false, badges: ['Microphone off'] });
      await waitForState(firefox.page, 'connected');
      await waitForRemoteVideo(chromium.page);
      // The failed share is Firefox's one error, told with its code.
      assert.deepEqual(await rtcErrors(firefox.page), ['device-not-found: The object can not be found here.']);
      await assertNoErrors(chromium);
    });

    test('Firefox reloads mid-call: it rejoins the room by itself and video decodes again both ways', async (t) => {
      const { chromium, firefox } = await call(t);
      await Promise.all([waitForRemoteVideo(chromium.page), waitForRemoteVideo(firefox.page)]);
      await chromium.page.evaluate(() => {
        const el = document.querySelector('rtc-call') as unknown as EventTarget & { peerConnection: RTCPeerConnection };
        Object.assign(window, {
          __pc: el.peerConnection,
          __left: new Promise<string>((resolve) =>
            el.addEventListener('rtc-peer-leave', (e) => resolve((e as unknown as { reason: string }).reason), {
              once: true,
            }),
          ),
        });
      });
      await firefox.page.reload();
      const left = await chromium.page.evaluate(() => (window as unknown as { __left: Promise<string> }).__left);
      assert.equal(left, 'replaced', 'Chromium hears the reload as its peer’s seat taken back');
      // No Join click: the reloaded tab still holds its session.
      await Promise.all([waitForState(firefox.page, 'connected'), waitForState(chromium.page, 'connected')]);
      const fresh = await chromium.page.evaluate(
        () =>
          (document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }).peerConnection !==
          (window as unknown as { __pc: RTCPeerConnection }).__pc,
      );
      assert.equal(fresh, true, 'Chromium met the reloaded Firefox with a fresh connection');
      // The reloaded side finds its peer in the join answer, so it offers; Chromium answers.
      assert.equal((await signalingLog(firefox.page))[0], 'have-local-offer');
      assert.equal((await signalingLog(chromium.page))[0], 'have-remote-offer');
      await Promise.all([waitForRemoteVideo(chromium.page), waitForRemoteVideo(firefox.page)]);
      const error = await firefox.page.evaluate(
        () => (document.querySelector('rtc-call') as unknown as { error: unknown }).error,
      );
      assert.equal(error, null);
      await assertNoErrors(chromium, firefox);
    });

    test(`${NAME[order.offerer]} hangs up: ${NAME[order.answerer]} is told its peer left and waits again`, async (t) => {
      const { offerer, answerer } = await call(t);
      await answerer.page.evaluate(() => {
        const el = document.querySelector('rtc-call')!;
        Object.assign(window, {
          __left: new Promise<string>((resolve) =>
            el.addEventListener('rtc-peer-leave', (e) => resolve((e as unknown as { reason: string }).reason), {
              once: true,
            }),
          ),
        });
      });
      await click(offerer.page, 'Hang up');
      await waitForState(offerer.page, 'ended');
      const ended = await offerer.page.evaluate(() => {
        const el = document.querySelector('rtc-call') as unknown as {
          endReason: string;
          localStream: MediaStream | null;
          peerConnection: RTCPeerConnection | null;
        };
        return { endReason: el.endReason, camera: el.localStream, pc: el.peerConnection };
      });
      assert.deepEqual(ended, { endReason: 'hangup', camera: null, pc: null }, `${offerer.engine} ended the call`);
      const reason = await answerer.page.evaluate(() => (window as unknown as { __left: Promise<string> }).__left);
      assert.equal(reason, 'left', `${answerer.engine} hears a hang-up, not a lost connection`);
      await waitForState(answerer.page, 'waiting');
      const left = await answerer.page.evaluate(() => {
        const el = document.querySelector('rtc-call') as unknown as {
          remoteStream: MediaStream | null;
          peerConnection: RTCPeerConnection | null;
        };
        return { remote: el.remoteStream, pc: el.peerConnection };
      });
      assert.deepEqual(left, { remote: null, pc: null }, `${answerer.engine} let go of the connection`);
      await assertNoErrors(offerer, answerer);
    });

    test('relay only: both sides decode video over a relay/relay pair through a real coturn', async (t) => {
      const secret = randomBytes(24).toString('base64url');
      const coturn = await startCoturn({ secret });
      t.after(() => coturn.stop());
      const { url: turnServer } = await startApp(t, {
        turnUrls: [coturn.url],
        turnSecret: secret,
        turnTtl: 600,
        turnMintPerMinute: 0,
      });
      const relayOnly = `document.querySelector('rtc-call').iceTransportPolicy = 'relay'`;
      const { chromium, firefox } = await call(t, turnServer, relayOnly);
      await Promise.all([waitForRemoteVideo(chromium.page), waitForRemoteVideo(firefox.page)]);
      for (const who of [chromium, firefox]) {
        const configuration = await who.page.evaluate((turnUrl: string) => {
          const { iceServers = [], iceTransportPolicy } = (
            document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }
          ).peerConnection.getConfiguration();
          const server = iceServers.find((entry) => [entry.urls].flat().includes(turnUrl));
          return { iceTransportPolicy, username: server?.username ?? '' };
        }, coturn.url);
        assert.equal(configuration.iceTransportPolicy, 'relay', who.engine);
        assert.match(
          configuration.username,
          /^\d{10}:[A-Za-z0-9_-]{16}$/,
          `${who.engine}: credentials from the server`,
        );
        let types: { local?: string; remote?: string } = {};
        const deadline = Date.now() + 10_000;
        while (!types.local && Date.now() < deadline) {
          types = await selectedCandidateTypes(who.page);
          if (!types.local) await new Promise((resolve) => setTimeout(resolve, 100));
        }
        assert.deepEqual(types, { local: 'relay', remote: 'relay' }, `${who.engine}'s selected pair`);
      }
      await assertNoErrors(chromium, firefox);
    });

    test('Firefox turns its camera off and on and reopens it without a renegotiation; Chromium keeps decoding', async (t) => {
      const { chromium, firefox } = await call(t);
      await Promise.all([waitForRemoteVideo(chromium.page), seesPeer(chromium, ALL_ON)]);
      const cameras = await firefox.page.evaluate(async () =>
        (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput').map((d) => d.deviceId),
      );
      // Firefox's fake devices have one camera, so "switching" can only reopen that one (a new track).
      assert.equal(cameras.length, 1, 'Firefox lists one fake camera');
      const before = await Promise.all([signalingLog(chromium.page), signalingLog(firefox.page)]);

      await click(firefox.page, 'Camera');
      await seesPeer(chromium, { audio: true, video: false, screen: false, badges: ['Camera off'] });
      await click(firefox.page, 'Camera');
      await seesPeer(chromium, ALL_ON);
      await waitForRemoteVideo(chromium.page);

      const oldTrack = await firefox.page.evaluate(
        () =>
          (
            document.querySelector('rtc-call') as unknown as { localStream: MediaStream }
          ).localStream.getVideoTracks()[0]!.id,
      );
      await firefox.page.evaluate(
        (id: string) =>
          (
            document.querySelector('rtc-call') as unknown as { setDevice(k: string, id: string): Promise<void> }
          ).setDevice('videoinput', id),
        cameras[0]!,
      );
      const sending = await firefox.page.evaluate(() => {
        const el = document.querySelector('rtc-call') as unknown as {
          localStream: MediaStream;
          peerConnection: RTCPeerConnection;
        };
        const track = el.localStream.getVideoTracks()[0]!;
        const sender = el.peerConnection.getSenders().find((s) => s.track?.kind === 'video');
        return { track: track.id, sent: sender?.track?.id, live: track.readyState };
      });
      assert.notEqual(sending.track, oldTrack, 'Firefox opened its camera anew');
      assert.deepEqual(sending, { track: sending.track, sent: sending.track, live: 'live' }, 'and sends the new track');
      await waitForRemoteVideo(chromium.page);

      const afterwards = await Promise.all([signalingLog(chromium.page), signalingLog(firefox.page)]);
      assert.deepEqual(afterwards, before, 'no offer or answer on either side');
      const states = await Promise.all(
        [chromium, firefox].map((who) =>
          who.page.evaluate(
            () =>
              (document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }).peerConnection
                .signalingState,
          ),
        ),
      );
      assert.deepEqual(states, ['stable', 'stable']);
      await assertNoErrors(chromium, firefox);
    });
  });
}
