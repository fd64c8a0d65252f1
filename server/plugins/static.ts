import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';
const SVG = 'image/svg+xml';
const JSON_TYPE = 'application/json; charset=utf-8';

const MISSING_DEMO = 'The demo files are missing from this install.';
const MISSING_BUNDLE = 'The bundle is not built yet: run "npm run build" (npm start does it for you).';

/**
 * The address demo/embed.html names for the call server, as a blog post would. Served from here,
 * it becomes this server (relative URLs); the tests serve the page from other origins with their
 * server's address put in.
 */
export const EMBED_SERVER_PLACEHOLDER = 'https://calls.example.com';

/**
 * The drop-in scripts: `<name>.js` (cached 5 minutes) and `<name>.<hash>.js` (immutable). The
 * module entry loads its chunks from `/chunks/`; the classic script is a loader of the module entry.
 */
const BUNDLES = { 'rtc-call': 'dist/rtc-call.js', 'rtc-call.iife': 'dist/rtc-call.iife.js' } as const;
type BundleName = keyof typeof BUNDLES;

interface Built {
  body: Buffer;
  /** First 10 hex digits of the SHA-256: the name of the immutable copy. */
  hash: string;
  /** Subresource Integrity value for `<script integrity>`. */
  integrity: string;
  mtimeMs: number;
}

const built = new Map<string, Built>();

/** Reads a built file, again only when it changed on disk (a rebuild needs no restart). */
async function readBuilt(path: string): Promise<Built | null> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(ROOT + path)).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const known = built.get(path);
  if (known?.mtimeMs === mtimeMs) return known;
  const body = await readFile(ROOT + path);
  const entry = {
    body,
    hash: createHash('sha256').update(body).digest('hex').slice(0, 10),
    integrity: `sha384-${createHash('sha384').update(body).digest('base64')}`,
    mtimeMs,
  };
  built.set(path, entry);
  return entry;
}

async function sendFile(reply: FastifyReply, path: string, type: string): Promise<FastifyReply> {
  let body: Buffer;
  try {
    body = await readFile(ROOT + path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return reply.code(503).type('text/plain; charset=utf-8').send(MISSING_DEMO);
  }
  return reply.type(type).send(body);
}

/**
 * Any page may embed the widget: the scripts are readable cross-origin (a module script from
 * another origin needs CORS), even under COEP. This replaces the `same-origin` resource policy
 * that security-headers.ts gives every other answer.
 */
function crossOrigin(reply: FastifyReply): FastifyReply {
  return reply.header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin');
}

async function sendBundle(request: FastifyRequest, reply: FastifyReply, name: BundleName, hash?: string) {
  const bundle = await readBuilt(BUNDLES[name]);
  crossOrigin(reply);
  if (!bundle) return reply.code(503).type('text/plain; charset=utf-8').send(MISSING_BUNDLE);
  if (hash !== undefined && hash !== bundle.hash) {
    return reply.code(404).type('text/plain; charset=utf-8').send(`No ${name}.${hash}.js here: see /rtc-call.json.`);
  }
  const etag = `"${bundle.hash}"`;
  reply
    .header('etag', etag)
    .header('cache-control', hash ? 'public, max-age=31536000, immutable' : 'public, max-age=300');
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(JS).send(bundle.body);
}

/** A chunk's name as rollup.config.mjs writes it: `<name>-<10 hex digits of content hash>.js`. */
const CHUNK = /^[A-Za-z0-9_-]+-[0-9a-f]{10}\.js$/;

/**
 * A chunk of the current build, or its source map. Chunks are named by their content, so they are
 * cached for a year; any other name (an older build's, or no chunk's) is a 404.
 */
async function sendChunk(reply: FastifyReply, file: string) {
  const map = file.endsWith('.map');
  const chunk = CHUNK.test(map ? file.slice(0, -'.map'.length) : file) ? await readBuilt(`dist/chunks/${file}`) : null;
  crossOrigin(reply);
  if (!chunk) return reply.code(404).type('text/plain; charset=utf-8').send(`No chunk ${file} here.`);
  return reply
    .header('cache-control', map ? 'public, max-age=300' : 'public, max-age=31536000, immutable')
    .type(map ? JSON_TYPE : JS)
    .send(chunk.body);
}

/**
 * Serves the demo page at `/` (with its script and styles), the embedding example at
 * `/embed.html`, and the drop-in scripts: `/rtc-call.js` (ES module entry), its chunks under
 * `/chunks/`, `/rtc-call.iife.js` (classic loader), their source maps, content-hashed immutable
 * copies, and `/rtc-call.json` naming those copies with their integrity values.
 */
export const staticPlugin: FastifyPluginAsync = async (app) => {
  app.get('/', (_request, reply) => sendFile(reply, 'demo/index.html', HTML));
  // Built (npm run build): demo/demo.js with its QR encoder.
  app.get('/demo.js', (_request, reply) => sendFile(reply, 'dist/demo.js', JS));
  app.get('/demo.css', (_request, reply) => sendFile(reply, 'demo/demo.css', CSS));

  app.get('/embed.html', async (_request, reply) => {
    let page: string;
    try {
      page = await readFile(ROOT + 'demo/embed.html', 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return reply.code(503).type('text/plain; charset=utf-8').send(MISSING_DEMO);
    }
    return reply.type(HTML).send(page.replaceAll(EMBED_SERVER_PLACEHOLDER, ''));
  });
  app.get('/embed.css', (_request, reply) => sendFile(reply, 'demo/embed.css', CSS));
  for (const image of ['cover.svg', 'figure.svg', 'author.svg']) {
    app.get(`/embed/${image}`, (_request, reply) => sendFile(reply, `demo/embed/${image}`, SVG));
  }

  for (const name of Object.keys(BUNDLES) as BundleName[]) {
    app.get(`/${name}.js`, (request, reply) => sendBundle(request, reply, name));
    app.get(`/${name}.js.map`, async (_request, reply) => {
      const map = await readBuilt(`${BUNDLES[name]}.map`);
      crossOrigin(reply).header('cache-control', 'public, max-age=300');
      if (!map) return reply.code(404).type('text/plain; charset=utf-8').send(MISSING_BUNDLE);
      return reply.type(JSON_TYPE).send(map.body);
    });
  }
  // `/rtc-call.<hash>.js` and `/rtc-call.iife.<hash>.js`: the current build only, forever cacheable.
  app.get<{ Params: { file: string } }>('/:file', (request, reply) => {
    const match = /^(rtc-call(?:\.iife)?)\.([0-9a-f]{10})\.js$/.exec(request.params.file);
    if (!match) return reply.callNotFound();
    return sendBundle(request, reply, match[1] as BundleName, match[2]);
  });
  app.get<{ Params: { file: string } }>('/chunks/:file', (request, reply) => sendChunk(reply, request.params.file));
  app.get('/rtc-call.json', async (_request, reply) => {
    const describe = async (name: BundleName) => {
      const bundle = await readBuilt(BUNDLES[name]);
      return bundle && { src: `/${name}.${bundle.hash}.js`, integrity: bundle.integrity };
    };
    crossOrigin(reply).header('cache-control', 'no-cache');
    const [module, classic] = await Promise.all([describe('rtc-call'), describe('rtc-call.iife')]);
    if (!module || !classic) return reply.code(503).type('text/plain; charset=utf-8').send(MISSING_BUNDLE);
    return reply.type(JSON_TYPE).send({ module, classic });
  });
};
