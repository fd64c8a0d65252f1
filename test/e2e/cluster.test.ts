import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { AppOptions } from '../../server/app.js';
import { metric } from '../server/helpers.js';
import { startNginx } from '../support/nginx-cluster.js';
import { startNode, type NodeProcess } from '../support/node-process.js';
import { startRedis, type RedisServer } from '../support/redis.js';
import { launchBrowser, person, waitForRemoteVideo, waitForState } from './support.js';

/** The acceptance bound for signaling to come back on a live node (a wait timeout, not a measurement). */
const RESUME_WITHIN_MS = 10_000;

async function cluster(t: TestContext): Promise<{ redis: RedisServer; a: NodeProcess; b: NodeProcess }> {
  const redis = await startRedis(t);
  // Every node signs sessions with the same secret: a session issued by one retakes its seat on the other.
  const sessionSecret = randomBytes(32).toString('base64url');
  const options: AppOptions = { redisUrl: redis.url, sessionSecret, seatGraceMs: 20_000 };
  const [a, b] = await Promise.all([startNode(t, options), startNode(t, options)]);
  return { redis, a, b };
}

/** Opens the demo page of `base` in a new person's browser context and joins `room`. */
async function joinDemo(browser: Browser, base: string, room: string): Promise<Page> {
  const page = await (await person(browser)).newPage();
  await page.goto(`${base}/?room=${room}`);
  await page.getByRole('button', { name: 'Join call' }).click();
  return page;
}

/** Video frames decoded from the peer so far. */
function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const el = document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection | null };
    let decoded = 0;
    (await el.peerConnection!.getStats()).forEach((r: { type: string; kind?: string; framesDecoded?: number }) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') decoded += r.framesDecoded ?? 0;
    });
    return decoded;
  });
}

/** Sends a chat message and resolves once the peer acknowledged it. */
function chat(page: Page, text: string): Promise<unknown> {
  return page.evaluate(
    (t) =>
      (document.querySelector('rtc-call') as unknown as { sendMessage(t: string): Promise<unknown> }).sendMessage(t),
    text,
  );
}

function remoteTexts(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    (document.querySelector('rtc-call') as unknown as { messages: Array<{ from: string; text: string }> }).messages
      .filter((m) => m.from === 'remote')
      .map((m) => m.text),
  );
}

/** The ICE username fragment the page's connection last got from the peer (changes on an ICE restart). */
function remoteUfrag(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    const el = document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection };
    return /a=ice-ufrag:(\S+)/.exec(el.peerConnection.remoteDescription?.sdp ?? '')?.[1] ?? null;
  });
}

function callState(page: Page): Promise<string> {
  return page.evaluate(() => (document.querySelector('rtc-call') as unknown as { state: string }).state);
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('two nodes on Redis: people joined to different nodes complete a call and a chat', async (t) => {
  const { a: nodeA, b: nodeB } = await cluster(t);
  const browser = await launchBrowser(t);
  const room = `across-${Date.now()}`;
  const alice = await joinDemo(browser, nodeA.url, room);
  const bob = await joinDemo(browser, nodeB.url, room);
  await Promise.all([waitForState(alice, 'connected'), waitForState(bob, 'connected')]);
  await Promise.all([waitForRemoteVideo(alice), waitForRemoteVideo(bob)]);
  assert.equal(await metric(nodeA.url, 'rtc_call_sockets'), 1, 'alice is on node A');
  assert.equal(await metric(nodeB.url, 'rtc_call_sockets'), 1, 'bob is on node B');

  await chat(alice, 'hello from node A');
  await chat(bob, 'hello from node B');
  assert.deepEqual(await remoteTexts(bob), ['hello from node A']);
  assert.deepEqual(await remoteTexts(alice), ['hello from node B']);
});

test('kill -9 the node of one person mid-call: media keeps flowing, signaling resumes on the other node through nginx', async (t) => {
  const { a: nodeA, b: nodeB } = await cluster(t);
  // The load balancer sends everyone to node A while it lives (B is its backup); bob goes to B directly.
  const nginx = await startNginx(t, [nodeA.url.replace('http://', ''), `${nodeB.url.replace('http://', '')} backup`]);
  const browser = await launchBrowser(t);
  const room = `failover-${Date.now()}`;
  const alice = await joinDemo(browser, nginx.url, room);
  const bob = await joinDemo(browser, nodeB.url, room);
  await Promise.all([waitForState(alice, 'connected'), waitForState(bob, 'connected')]);
  await Promise.all([waitForRemoteVideo(alice), waitForRemoteVideo(bob)]);
  assert.equal(await metric(nodeA.url, 'rtc_call_sockets'), 1, 'alice reached node A through nginx');
  const framesBefore = await Promise.all([framesDecoded(alice), framesDecoded(bob)]);

  await nodeA.crash();
  // Alice's socket reconnects through nginx, which now reaches node B, and takes her seat back.
  await until(
    'alice back on node B',
    async () => (await metric(nodeB.url, 'rtc_call_sockets')) === 2,
    RESUME_WITHIN_MS,
  );
  // Media never went through the server: it flowed all along.
  const framesAfter = await Promise.all([framesDecoded(alice), framesDecoded(bob)]);
  assert.ok(framesAfter[0] > framesBefore[0] && framesAfter[1] > framesBefore[1], 'video kept decoding');
  for (const page of [alice, bob]) assert.equal(await callState(page), 'connected');

  // Signaling works again: an ICE restart is an offer and an answer relayed by node B.
  const before = await remoteUfrag(bob);
  await alice.evaluate(() =>
    (
      document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection }
    ).peerConnection.restartIce(),
  );
  await until('the restart offer reached bob', async () => (await remoteUfrag(bob)) !== before, RESUME_WITHIN_MS);
  await Promise.all([waitForState(alice, 'connected'), waitForState(bob, 'connected')]);
  await Promise.all([waitForRemoteVideo(alice), waitForRemoteVideo(bob)]);
  await chat(alice, 'still here');
  assert.deepEqual(await remoteTexts(bob), ['still here']);
  assert.equal(nodeB.alive(), true);
});

test('Redis stopped for 10 s mid-call: no process exits, media keeps flowing, a join waits and succeeds once Redis is back', async (t) => {
  const { redis, a: nodeA, b: nodeB } = await cluster(t);
  const browser = await launchBrowser(t);
  const room = `outage-${Date.now()}`;
  const alice = await joinDemo(browser, nodeA.url, room);
  const bob = await joinDemo(browser, nodeB.url, room);
  await Promise.all([waitForState(alice, 'connected'), waitForState(bob, 'connected')]);
  await Promise.all([waitForRemoteVideo(alice), waitForRemoteVideo(bob)]);
  const framesBefore = await Promise.all([framesDecoded(alice), framesDecoded(bob)]);

  await redis.stop();
  // Someone new joins while Redis is away: the server answers "unavailable" and the page retries.
  const carol = await joinDemo(browser, nodeA.url, `later-${Date.now()}`);
  await new Promise((resolve) => setTimeout(resolve, 10_000)); // the outage itself: Redis stays down 10 s
  assert.equal(await callState(carol), 'joining', 'still trying, not failed');
  const framesDuring = await Promise.all([framesDecoded(alice), framesDecoded(bob)]);
  assert.ok(framesDuring[0] > framesBefore[0] && framesDuring[1] > framesBefore[1], 'video kept decoding');
  assert.equal(nodeA.alive() && nodeB.alive(), true, 'no node exited');

  await redis.start();
  await waitForState(carol, 'waiting', 30_000);
  await Promise.all([waitForRemoteVideo(alice), waitForRemoteVideo(bob)]);
  for (const page of [alice, bob, carol]) {
    assert.equal(
      await page.evaluate(() => (document.querySelector('rtc-call') as unknown as { error: unknown }).error),
      null,
    );
  }
  assert.equal(nodeA.alive() && nodeB.alive(), true, nodeA.output() + nodeB.output());
});
