import type { FastifyInstance } from 'fastify';
import { fail } from '../../src/protocol/errors.js';
import type { RelayedSignal } from '../../src/protocol/signaling.js';
import { holdsSeat } from '../lib/seats.js';
import { sendToSeat, signalingServer } from '../lib/signaling-socket.js';

/**
 * Relays `signal` (descriptions and candidates) from a seat to the other seat of its room, on this
 * node or another, rebuilt from the validated fields with `from` set by the server (DESIGN.md §2).
 * A socket whose seat a newer socket of the same session took back relays nothing.
 */
export async function relayPlugin(app: FastifyInstance): Promise<void> {
  const { metrics, seatStore: seats } = app;
  const io = signalingServer(app);

  app.inbound.handle('signal', async (socket, payload) => {
    const membership = socket.data.membership;
    if (!membership) return fail('not-joined', 'Join a room before sending signals.');
    const occupants = await seats.occupants(membership.room);
    if (!holdsSeat(occupants, membership.holder, socket.id)) {
      return fail('not-joined', 'This seat was taken over by a newer connection of the same session.');
    }
    const others = occupants.filter((seat) => seat.holder !== membership.holder);
    // Rebuilt from validated fields: nothing the client added travels on.
    const event: RelayedSignal =
      'description' in payload
        ? { from: membership.peer, description: payload.description }
        : { from: membership.peer, candidate: payload.candidate };
    for (const other of others) {
      if (sendToSeat(io, other, 'signal', event)) metrics.signalsRelayed.inc();
    }
    return { ok: true };
  });
}
