import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startServer } from '../server/helpers.js';
import { launchBrowser, person, waitForRemoteVideo, waitForState } from './support.js';

test('the demo page: two people join a room; one reloads mid-call and the call comes back within 5 s', async (t) => {
  const url = await startServer(t, { seatGraceMs: 20_000 });
  const browser = await launchBrowser(t);
  const room = `reload-${Date.now()}`;
  const [alice, bob] = await Promise.all([person(browser), person(browser)]);
  const [a, b] = await Promise.all([alice.newPage(), bob.newPage()]);
  for (const page of [a, b]) {
    await page.goto(`${url}/?room=${room}`);
    await page.getByRole('button', { name: 'Join call' }).click();
  }
  await Promise.all([waitForState(a, 'connected'), waitForState(b, 'connected')]);
  await Promise.all([waitForRemoteVideo(a), waitForRemoteVideo(b)]);

  const firstPc = await a.evaluate(() => {
    const el = document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection };
    (window as unknown as { firstPc: RTCPeerConnection }).firstPc = el.peerConnection;
    return true;
  });
  assert.ok(firstPc);
  const replaced = a.evaluate(
    () =>
      new Promise<string>((resolve) =>
        document
          .querySelector('rtc-call')!
          .addEventListener('rtc-peer-leave', (e) => resolve((e as unknown as { reason: string }).reason), {
            once: true,
          }),
      ),
  );
  await b.reload();
  assert.equal(await replaced, 'replaced', 'the staying side hears the reload as a replaced seat');
  // The reloaded tab takes its seat back by itself (its session is in sessionStorage): no Join click.
  await Promise.all([waitForState(b, 'connected', 5000), waitForState(a, 'connected', 5000)]);
  const renegotiated = await a.evaluate(() => {
    const el = document.querySelector('rtc-call') as unknown as { peerConnection: RTCPeerConnection };
    return el.peerConnection !== (window as unknown as { firstPc: RTCPeerConnection }).firstPc;
  });
  assert.equal(renegotiated, true, 'the staying side met the reloaded peer with a fresh connection');
  await Promise.all([waitForRemoteVideo(a), waitForRemoteVideo(b)]);
  // Never a ghost, never room-full.
  assert.equal(
    await b.evaluate(() => (document.querySelector('rtc-call') as unknown as { error: unknown }).error),
    null,
  );
});
