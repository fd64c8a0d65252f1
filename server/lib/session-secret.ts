import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, MIN_SECRET_LENGTH, SHARED_SECRET_NEEDED, type ServerConfig } from '../config.js';

/** The file in the state directory that keeps a single node's generated session secret. */
export const SESSION_SECRET_FILE = 'session-secret';

/** Where the session secret came from (logged at start, never the secret itself). */
export type SessionSecretSource = 'SESSION_SECRET' | 'JOIN_SECRET' | 'state-file' | 'process';

type Log = { warn(object: object, message: string): void };

/**
 * The secret sessions are signed with. It must be the same on every node and survive a restart, or
 * a call's sessions stop retaking their seats: SESSION_SECRET, else JOIN_SECRET (already shared),
 * else, on a single node only, a random secret kept in `stateDir` (made on the first start).
 */
export async function sessionSecret(
  config: Pick<ServerConfig, 'sessionSecret' | 'joinSecret' | 'redisUrl' | 'stateDir'>,
  log: Log,
): Promise<{ secret: string; source: SessionSecretSource }> {
  if (config.sessionSecret) return { secret: config.sessionSecret, source: 'SESSION_SECRET' };
  // Session keys are HKDF subkeys with labels of their own: never the bytes join tokens use.
  if (config.joinSecret) return { secret: config.joinSecret, source: 'JOIN_SECRET' };
  if (config.redisUrl) throw new ConfigError(SHARED_SECRET_NEEDED);
  const dir = resolve(config.stateDir);
  const path = join(dir, SESSION_SECRET_FILE);
  const kept = await readSecret(path);
  if (kept) return { secret: kept, source: 'state-file' };
  const made = randomBytes(32).toString('base64url');
  const draft = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(draft, `${made}\n`, { flag: 'wx', mode: 0o600 });
    // link() publishes the whole file at once and never replaces one: of two processes starting
    // together, one links and the other reads what it linked, never a half-written file.
    await link(draft, path);
    return { secret: made, source: 'state-file' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const raced = await readSecret(path);
      if (raced) return { secret: raced, source: 'state-file' };
    }
    // Not a reason to refuse calls: only a restart of this process would end their sessions.
    log.warn(
      { err: error, path },
      'cannot keep the session secret (set STATE_DIRECTORY to a writable folder, or SESSION_SECRET): ' +
        'after a restart, calls in progress cannot take their seats back',
    );
    return { secret: made, source: 'process' };
  } finally {
    await rm(draft, { force: true });
  }
}

/** The secret kept in `path`, or null when there is none yet. */
async function readSecret(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    throw new ConfigError(`STATE_DIRECTORY: cannot read the session secret "${path}" (${code ?? String(error)}).`);
  }
  const secret = text.trim();
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError(
      `STATE_DIRECTORY: "${path}" holds no usable session secret (${MIN_SECRET_LENGTH}+ characters); ` +
        'delete it to have a new one made (calls in progress then lose their sessions).',
    );
  }
  return secret;
}
