// Sessions of this tab, kept in sessionStorage so that a reload takes its seat back. A page may hold
// two calls in the same room (tests and demos do): each room keeps a list, and a live element takes
// the first session no other element of this page is using.
const PREFIX = 'rtc-call:sessions:';
const inUse = new Set<string>();

function read(room: string): string[] {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(PREFIX + room) ?? '[]');
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
  } catch {
    return []; // storage blocked (sandboxed iframe, privacy mode) or corrupt
  }
}

function write(room: string, sessions: string[]): void {
  try {
    if (sessions.length === 0) sessionStorage.removeItem(PREFIX + room);
    else sessionStorage.setItem(PREFIX + room, JSON.stringify(sessions.slice(-4)));
  } catch {
    // storage blocked: a reload will join as a new session
  }
}

/** Claims a stored session of `room` that no other element of this page is using. */
export function claimSession(room: string): string | undefined {
  const session = read(room).find((candidate) => !inUse.has(candidate));
  if (session) inUse.add(session);
  return session;
}

/** Remembers the session the server issued, and marks it in use by the caller. */
export function keepSession(room: string, session: string, previous: string | undefined): void {
  if (previous && previous !== session) releaseSession(room, previous, true);
  inUse.add(session);
  const sessions = read(room);
  if (!sessions.includes(session)) write(room, [...sessions, session]);
}

/** Stops using a session; `forget` also drops it from storage (hang-up: the seat is gone). */
export function releaseSession(room: string, session: string, forget: boolean): void {
  inUse.delete(session);
  if (forget)
    write(
      room,
      read(room).filter((candidate) => candidate !== session),
    );
}

/** Whether this tab holds a session of `room` that no live element uses: a call a reload interrupted. */
export function hasResumableSession(room: string): boolean {
  return read(room).some((session) => !inUse.has(session));
}
