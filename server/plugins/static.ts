import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

async function sendFile(reply: FastifyReply, path: string, type: string, missing: string): Promise<FastifyReply> {
  let body: Buffer;
  try {
    body = await readFile(ROOT + path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return reply.code(503).type('text/plain; charset=utf-8').send(missing);
  }
  return reply.type(type).send(body);
}

/** Serves the demo page at `/` (with its script and styles) and the drop-in bundle at `/rtc-call.js`. */
export const staticPlugin: FastifyPluginAsync = async (app) => {
  const missingDemo = 'The demo files are missing from this install.';
  app.get('/', (_request, reply) => sendFile(reply, 'demo/index.html', 'text/html; charset=utf-8', missingDemo));
  app.get('/demo.js', (_request, reply) =>
    sendFile(reply, 'demo/demo.js', 'text/javascript; charset=utf-8', missingDemo),
  );
  app.get('/demo.css', (_request, reply) => sendFile(reply, 'demo/demo.css', 'text/css; charset=utf-8', missingDemo));
  app.get('/rtc-call.js', (_request, reply) => {
    // Any page may embed the widget, so the bundle is readable cross-origin.
    reply.header('access-control-allow-origin', '*').header('cache-control', 'public, max-age=300');
    return sendFile(
      reply,
      'dist/rtc-call.js',
      'text/javascript; charset=utf-8',
      'The bundle is not built yet: run "npm run build" (npm start does it for you).',
    );
  });
};
