/**
 * Logging as Open vSwitch's vlog does it (lib/vlog.c): a level per module and per destination
 * (console, syslog, file), set with OVS's spec syntax (`-vconsole:off`, `-vjsonrpc:file:dbg`,
 * `vlog/set ANY:file:info`), listed in OVS's `vlog/list` layout, and lines in OVS's formats:
 *
 *   file     2026-11-24T20:00:00.000Z|00001|server|INFO|ovsdb-ts 0.1.0
 *   console  2026-11-24T20:00:00Z|00001|server|INFO|ovsdb-ts 0.1.0
 *
 * The writers (stderr, a log file) are injected: this module does no I/O itself. There is no
 * syslog writer; its levels are kept so that specs naming syslog are accepted as OVS accepts them.
 *
 * @example
 * const log = new VlogLogger(() => Date.now());
 * log.setWriter('console', (line) => process.stderr.write(line));
 * const error = log.set('console:warn');   // undefined, or OVS's error text
 * log.log('INFO', 'server', 'listening on ptcp:6641:127.0.0.1');
 */
import type { LogLevel, Logger } from './ports.js';

export const VLOG_DESTINATIONS = ['console', 'syslog', 'file'] as const;
export type VlogDestination = (typeof VLOG_DESTINATIONS)[number];
/** A destination's threshold: a LogLevel, or OFF (nothing). */
export type VlogThreshold = LogLevel | 'OFF';

const RANK: Record<VlogThreshold, number> = { OFF: -1, EMER: 0, ERR: 1, WARN: 2, INFO: 3, DBG: 4 };
const LEVEL_WORDS: Readonly<Record<string, VlogThreshold>> = { off: 'OFF', emer: 'EMER', err: 'ERR', warn: 'WARN', info: 'INFO', dbg: 'DBG' };

/**
 * Module names accepted in specs before anything has logged: ours, plus the ovsdb-server modules
 * of OVS that operators name in their -v options (ovn-ctl, systemd units). Modules that log
 * under another name are added on first use.
 */
export const VLOG_MODULES: readonly string[] = [
  'cluster', 'database', 'jsonrpc', 'memory', 'ovsdb_jsonrpc_server', 'ovsdb_server', 'raft', 'raft_rpc',
  'reconnect', 'replication', 'server', 'storage', 'stream_ssl', 'unixctl', 'vlog',
];

/** A destination for finished lines (each ends with "\n"). */
export type LineWriter = (line: string) => void;

/** A destination with its own level threshold (older interface, kept for callers of addSink). */
export interface LogSink {
  readonly minLevel: LogLevel;
  write(line: string): void;
}

/** Formats one line as OVS's file destination does (millisecond timestamp). */
export function formatVlogLine(wallMs: number, seq: number, level: LogLevel, module: string, message: string): string {
  const ts = new Date(wallMs).toISOString();
  return `${ts}|${String(seq).padStart(5, '0')}|${module}|${level}|${message}\n`;
}

/** OVS's console pattern: the same, with the timestamp to the second. */
function formatConsoleLine(wallMs: number, seq: number, level: LogLevel, module: string, message: string): string {
  const ts = `${new Date(wallMs).toISOString().slice(0, 19)}Z`;
  return `${ts}|${String(seq).padStart(5, '0')}|${module}|${level}|${message}\n`;
}

export class VlogLogger implements Logger {
  #seq = 0;
  readonly #levels = new Map<string, Record<VlogDestination, VlogThreshold>>();
  /** What a module first seen now starts with: INFO, as changed since by specs naming no module. */
  readonly #defaults: Record<VlogDestination, VlogThreshold> = { console: 'INFO', syslog: 'INFO', file: 'INFO' };
  readonly #writers: Partial<Record<VlogDestination, LineWriter>> = {};
  #sinks: LogSink[] = [];

  constructor(
    private readonly wallMs: () => number,
    sinks: readonly LogSink[] = [],
  ) {
    for (const m of VLOG_MODULES) this.#module(m);
    this.#sinks = [...sinks];
  }

  /** Sets (or removes, with undefined) the writer of a destination. */
  setWriter(dest: 'console' | 'file', writer: LineWriter | undefined): void {
    if (writer === undefined) delete this.#writers[dest];
    else this.#writers[dest] = writer;
  }

  /** Adds a destination with a fixed threshold of its own (in-process tests). */
  addSink(sink: LogSink): void {
    this.#sinks.push(sink);
  }

  removeSink(sink: LogSink): void {
    this.#sinks = this.#sinks.filter((s) => s !== sink);
  }

  /** The threshold of `module` at `dest`. */
  level(module: string, dest: VlogDestination): VlogThreshold {
    return this.#module(module)[dest];
  }

  /** Sets a level for one module (or all, undefined) at one destination (or all, undefined). */
  setLevel(module: string | undefined, dest: VlogDestination | undefined, level: VlogThreshold): void {
    const targets = module === undefined ? [this.#defaults, ...this.#levels.values()] : [this.#module(module)];
    for (const levels of targets) {
      for (const d of dest === undefined ? VLOG_DESTINATIONS : [dest]) levels[d] = level;
    }
  }

  /**
   * Applies one spec as vlog_set_levels_from_string(): words separated by spaces, commas or
   * colons, each a destination, a level, a module or ANY; a missing level means dbg. Also takes
   * `PATTERN:DEST:FORMAT` and `FACILITY:NAME` (checked, then ignored: our line formats are
   * fixed and there is no syslog). Returns OVS's error text, or undefined.
   */
  set(spec: string): string | undefined {
    const words = spec.split(/[ ,:\t]+/).filter((w) => w !== '');
    const first = words[0]?.toLowerCase();
    if (first === 'pattern') {
      const dest = words[1];
      if (dest === undefined) return 'missing destination';
      if (dest.toLowerCase() !== 'any' && !isDestination(dest)) return `unknown destination "${dest}"`;
      return undefined;
    }
    if (first === 'facility') return SYSLOG_FACILITIES.has((words[1] ?? '').toLowerCase()) ? undefined : 'invalid facility';
    let module: string | undefined;
    let dest: VlogDestination | undefined;
    let level: VlogThreshold | undefined;
    for (const word of words) {
      const w = word.toLowerCase();
      if (w === 'any') continue;
      if (isDestination(w)) {
        if (dest !== undefined) return 'cannot specify multiple destinations';
        dest = w;
      } else if (LEVEL_WORDS[w] !== undefined) {
        if (level !== undefined) return 'cannot specify multiple levels';
        level = LEVEL_WORDS[w];
      } else if (this.#levels.has(w)) {
        if (module !== undefined) return 'cannot specify multiple modules';
        module = w;
      } else {
        return `no destination, level, or module "${word}"`;
      }
    }
    this.setLevel(module, dest, level ?? 'DBG');
    return undefined;
  }

  /** `vlog/list`, in OVS's layout. */
  list(): string {
    let out = '                 console    syslog    file\n                 -------    ------    ------\n';
    for (const name of [...this.#levels.keys()].sort()) {
      const l = this.#module(name);
      out += `${name.padEnd(16)}  ${l.console.padStart(4)}       ${l.syslog.padStart(4)}       ${l.file.padStart(4)}\n`;
    }
    return out;
  }

  /** Whether a message of `level` from `module` goes anywhere (skip building costly texts). */
  enabled(level: LogLevel, module: string): boolean {
    const l = this.#module(module);
    const r = RANK[level];
    return (this.#writers.console !== undefined && r <= RANK[l.console]) || (this.#writers.file !== undefined && r <= RANK[l.file])
      || this.#sinks.some((s) => r <= RANK[s.minLevel]);
  }

  log(level: LogLevel, module: string, message: string): void {
    this.#write(level, module, message, true);
  }

  /** Logs to the file destination only (a fatal error already printed on stderr). */
  logToFile(level: LogLevel, module: string, message: string): void {
    this.#write(level, module, message, false);
  }

  #write(level: LogLevel, module: string, message: string, toConsole: boolean): void {
    if (!this.enabled(level, module)) return;
    const l = this.#module(module);
    const r = RANK[level];
    const seq = ++this.#seq;
    const now = this.wallMs();
    const console = this.#writers.console;
    if (toConsole && console !== undefined && r <= RANK[l.console]) console(formatConsoleLine(now, seq, level, module, message));
    const file = this.#writers.file;
    const wanted = this.#sinks.filter((s) => r <= RANK[s.minLevel]);
    if ((file !== undefined && r <= RANK[l.file]) || wanted.length > 0) {
      const line = formatVlogLine(now, seq, level, module, message);
      if (file !== undefined && r <= RANK[l.file]) file(line);
      for (const s of wanted) s.write(line);
    }
  }

  #module(name: string): Record<VlogDestination, VlogThreshold> {
    let levels = this.#levels.get(name);
    if (levels === undefined) {
      levels = { ...this.#defaults };
      this.#levels.set(name, levels);
    }
    return levels;
  }
}

function isDestination(w: string): w is VlogDestination {
  return (VLOG_DESTINATIONS as readonly string[]).includes(w.toLowerCase());
}

const SYSLOG_FACILITIES = new Set([
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'clock', 'ftp', 'ntp', 'audit', 'alert', 'clock2',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
]);
