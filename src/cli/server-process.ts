/**
 * The daemon side of `ovsdb-ts server`, as lib/daemon-unix.c does it for ovsdb-server: the
 * pidfile (written through FILE.tmp and a rename; "already running" check), the log file that
 * `vlog/reopen` reopens after logrotate moved it, `--user`, and the OVS run, log and database
 * directories from OVS_RUNDIR, OVS_LOGDIR and OVS_DBDIR.
 */
import { closeSync, existsSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** OVS's compiled-in defaults (Debian's packages), overridden by the environment as in OVS. */
export interface OvsDirs {
  readonly rundir: string;
  readonly logdir: string;
  readonly dbdir: string;
}

/** OVS_RUNDIR, OVS_LOGDIR, OVS_DBDIR, else /var/run/openvswitch, /var/log/openvswitch, /etc/openvswitch. */
export function ovsDirs(env: Readonly<Record<string, string | undefined>>): OvsDirs {
  return {
    rundir: env['OVS_RUNDIR'] || '/var/run/openvswitch',
    logdir: env['OVS_LOGDIR'] || '/var/log/openvswitch',
    dbdir: env['OVS_DBDIR'] || '/etc/openvswitch',
  };
}

/** The errno text OVS prints, from a Node error (or its message). */
export function errnoText(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : /\b(E[A-Z]+)\b/.exec(e instanceof Error ? e.message : String(e))?.[1];
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'EPERM': return 'Operation not permitted';
    case 'ENOTDIR': return 'Not a directory';
    case 'EISDIR': return 'Is a directory';
    case 'EADDRINUSE': return 'Address already in use';
    case 'EROFS': return 'Read-only file system';
    default: return e instanceof Error ? e.message : String(e);
  }
}

/** The pid in `pidfile` if that process is alive and is not `ownPid`. */
export function runningPid(pidfile: string, ownPid: number): number | undefined {
  if (!existsSync(pidfile)) return undefined;
  let pid: number;
  try {
    pid = Number(readFileSync(pidfile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0 || pid === ownPid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    // EPERM: alive, owned by someone else.
    return typeof e === 'object' && e !== null && 'code' in e && e.code === 'EPERM' ? pid : undefined;
  }
}

/** Writes the pidfile as OVS does (FILE.tmp, then rename); throws OVS's message on failure. */
export function writePidfile(pidfile: string, pid: number): void {
  const tmp = `${pidfile}.tmp`;
  try {
    writeFileSync(tmp, `${pid}\n`);
  } catch (e) {
    throw new Error(`${tmp}: create failed (${errnoText(e)})`);
  }
  try {
    renameSync(tmp, pidfile);
  } catch (e) {
    tryUnlink(tmp);
    throw new Error(`failed to rename "${tmp}" to "${pidfile}" (${errnoText(e)})`);
  }
}

export function tryUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** The --log-file: appended to; reopen() follows a rename by logrotate (vlog/reopen). */
export class LogFile {
  #fd: number | undefined;

  private constructor(readonly path: string, fd: number) {
    this.#fd = fd;
  }

  /** Opens (creating) `path` for appending; throws OVS's wording if it cannot. */
  static open(path: string): LogFile {
    return new LogFile(path, LogFile.#openFd(path));
  }

  static #openFd(path: string): number {
    try {
      return openSync(path, 'a', 0o640);
    } catch (e) {
      const missingDir = !existsSync(dirname(path));
      throw new Error(`failed to open ${path} for logging: ${missingDir ? `No such file or directory (the directory ${dirname(path)} does not exist)` : errnoText(e)}`);
    }
  }

  write(line: string): void {
    if (this.#fd === undefined) return;
    try {
      writeSync(this.#fd, line);
    } catch {
      // A full disk must not take the server down; OVS drops the line too.
    }
  }

  /** Closes and opens the path again; the old file keeps what was written. */
  reopen(): void {
    const fd = LogFile.#openFd(this.path);
    this.close();
    this.#fd = fd;
  }

  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** A passwd entry's ids. */
function lookupUser(name: string, passwd: string): { uid: number; gid: number } | undefined {
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined && f[3] !== undefined) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

/**
 * --user=USER[:GROUP]: as daemon_become_new_user(): only root may switch; naming the user we
 * already are is a no-op. Throws OVS-like messages.
 */
export function becomeUser(spec: string): void {
  const [user = '', group] = spec.split(':');
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '';
  const entry = lookupUser(user, passwd);
  if (entry === undefined) throw new Error(`${user}: invalid user or group name`);
  const uid = process.getuid?.();
  if (uid === entry.uid && (group === undefined || group === '')) return;
  if (uid !== 0) throw new Error(`--user ${spec}: only root can switch to another user`);
  if (group !== undefined && group !== '') process.setgid?.(group);
  else process.setgid?.(entry.gid);
  const withGroups = process as { initgroups?: (user: string, extraGroup: string | number) => void };
  withGroups.initgroups?.(user, group !== undefined && group !== '' ? group : entry.gid);
  process.setuid?.(entry.uid);
}
