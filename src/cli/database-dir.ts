/**
 * What a path given as a database holds, checked before anything opens it, and open failures
 * said in the operator's words rather than LevelDB's: a database locked by another server is
 * "in use by pid N"; an Open vSwitch file, an empty directory or a foreign directory is named as
 * such, with the `ovsdb-ts tool` command that converts or creates it.
 *
 * Checking first matters: LevelDB, asked to open a directory that holds no database, creates
 * LOCK and LOG files in it before it finds out, and those leftovers then make the directory look
 * taken to a later `ovsdb-ts tool create`.
 *
 * @example
 * checkDatabasePath('/var/lib/ovn/ovnnb_db');              // throws DatabasePathError
 * throw explainOpenError('/var/lib/ovn/ovnnb_db', e);      // "…: database is in use by pid 812"
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OVS_CLUSTERED_MAGIC, OVS_STANDALONE_MAGIC, sniffOvsMagic } from '../storage/ovs-file-format.js';

/** A database path that cannot be served, with the operator-facing reason. */
export class DatabasePathError extends Error {
  override readonly name = 'DatabasePathError';
}

function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

function head(path: string, n: number): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/**
 * Throws DatabasePathError unless `path` is a directory that holds a database (LevelDB's CURRENT
 * file is its mark: every database of ours, standalone or clustered, has one).
 */
export function checkDatabasePath(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') {
      throw new DatabasePathError(`I/O error: ${path}: open failed (No such file or directory); create it with \`ovsdb-ts tool create ${path} SCHEMA\``);
    }
    throw new DatabasePathError(`I/O error: ${path}: open failed (${errnoText(e)})`);
  }
  if (!st.isDirectory()) {
    let magic: string | undefined;
    try {
      magic = sniffOvsMagic(head(path, 128));
    } catch (e) {
      throw new DatabasePathError(`I/O error: ${path}: open failed (${errnoText(e)})`);
    }
    if (magic === OVS_STANDALONE_MAGIC) {
      throw new DatabasePathError(`${path}: is an Open vSwitch database file, not an ovsdb-ts database (a directory); import it with \`ovsdb-ts tool create NEWDIR ${path}\` and serve NEWDIR`);
    }
    if (magic === OVS_CLUSTERED_MAGIC) {
      throw new DatabasePathError(`${path}: is a clustered Open vSwitch database file; convert it with \`ovsdb-tool cluster-to-standalone STANDALONE ${path}\`, import that with \`ovsdb-ts tool create NEWDIR STANDALONE\` and serve NEWDIR`);
    }
    throw new DatabasePathError(`${path}: is a file, not an ovsdb-ts database (a directory created by \`ovsdb-ts tool create DIR SCHEMA\`)`);
  }
  let entries: string[];
  try {
    entries = readdirSync(path);
  } catch (e) {
    throw new DatabasePathError(`I/O error: ${path}: open failed (${errnoText(e)})`);
  }
  if (entries.length === 0) {
    throw new DatabasePathError(`${path}: is an empty directory, not a database; create one there with \`ovsdb-ts tool create ${path} SCHEMA\``);
  }
  if (!entries.includes('CURRENT')) {
    throw new DatabasePathError(`${path}: is a directory that holds no ovsdb-ts database; create one in a new directory with \`ovsdb-ts tool create DIR SCHEMA\``);
  }
}

/**
 * LevelDB's message for a LOCK file held by another opener (fcntl: EAGAIN), or the storage
 * layer's own rewording of it (src/storage/level-errors.ts).
 */
export function isLockedError(message: string): boolean {
  return /\block\b.*(unavailable|already held)|database is in use by another process/i.test(message);
}

/**
 * The process holding the POSIX lock on `dir`/LOCK, from /proc/locks (Linux), or undefined
 * when it cannot be told.
 */
export function lockHolderPid(dir: string, procLocks: () => string = () => readFileSync('/proc/locks', 'utf8')): number | undefined {
  let inode: number;
  try {
    inode = statSync(join(dir, 'LOCK')).ino;
  } catch {
    return undefined;
  }
  let text: string;
  try {
    text = procLocks();
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    // "1: POSIX  ADVISORY  WRITE 812 fd:01:393224 0 EOF"
    const m = /^\d+:\s+(?:->\s+)?\S+\s+\S+\s+\S+\s+(\d+)\s+[0-9a-f]+:[0-9a-f]+:(\d+)\s/i.exec(line);
    if (m && Number(m[2]) === inode) return Number(m[1]);
  }
  return undefined;
}

/**
 * An error from opening the database at `dir`, in the operator's words: "in use by pid N" for
 * a held lock; other errors keep their text.
 */
export function explainOpenError(dir: string, e: unknown, ownPid: number = process.pid): Error {
  const message = e instanceof Error ? e.message : String(e);
  if (!isLockedError(message)) return e instanceof Error ? e : new Error(message);
  const pid = lockHolderPid(dir);
  if (pid === undefined) return new DatabasePathError(`${dir}: database is in use by another process`);
  if (pid === ownPid) return new DatabasePathError(`${dir}: database is in use by this process (given twice?)`);
  return new DatabasePathError(`${dir}: database is in use by pid ${pid}`);
}

function errnoText(e: unknown): string {
  switch (errnoCode(e)) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'ENOTDIR': return 'Not a directory';
    case 'EISDIR': return 'Is a directory';
    default: return e instanceof Error ? e.message : String(e);
  }
}
