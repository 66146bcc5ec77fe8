/**
 * Turns errors from `level` (classic-level, abstract-level) into operator-facing messages that
 * say what happened to the database, never LevelDB's own wording (paths of its internal files,
 * "IO error: lock ...", error codes). Why its own file: every open, read and write of a
 * clustered directory goes through it.
 */

/** Every `code` on `e` and its chain of causes (abstract-level wraps the binding's error). */
function codes(e: unknown): string[] {
  const out: string[] = [];
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    const code = (c as { code?: unknown }).code;
    if (typeof code === 'string') out.push(code);
  }
  return out;
}

/** The system error name (ENOSPC, EACCES ...) buried in a LevelDB message, if any. */
function systemReason(e: unknown): string | undefined {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 8; c = c.cause, depth++) {
    if (/No space left on device/i.test(c.message)) return 'no space left on device';
    if (/Permission denied/i.test(c.message)) return 'permission denied';
    if (/Read-only file system/i.test(c.message)) return 'read-only file system';
    if (/Too many open files/i.test(c.message)) return 'too many open files';
  }
  return undefined;
}

/** True if `e` says another process (or this one) holds the directory's lock. */
export function isLockedError(e: unknown): boolean {
  return codes(e).includes('LEVEL_LOCKED');
}

/**
 * `DIR: <doing>: <plain reason>` for an error of `level`, e.g.
 * "/var/db: database is in use by another process".
 */
export function levelErrorMessage(dir: string, doing: string, e: unknown): string {
  const all = codes(e);
  if (all.includes('LEVEL_LOCKED')) return `${dir}: database is in use by another process`;
  if (all.includes('LEVEL_CORRUPTION')) {
    return `${dir}: ${doing}: the database files are damaged; restore this member from another: remove the directory and join it again with \`ovsdb-ts tool join-cluster\``;
  }
  const reason = systemReason(e);
  if (reason !== undefined) return `${dir}: ${doing}: ${reason}`;
  if (all.includes('LEVEL_IO_ERROR')) return `${dir}: ${doing}: I/O error`;
  if (all.includes('LEVEL_DATABASE_NOT_OPEN')) return `${dir}: ${doing}: the database could not be opened`;
  return `${dir}: ${doing}: ${e instanceof Error ? e.message : String(e)}`;
}
