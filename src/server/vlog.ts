/**
 * Log lines in the format of Open vSwitch's vlog file destination
 * (`%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c|%p|%m`), e.g.
 *
 *   2026-11-24T20:00:00.000Z|00001|server|INFO|ovsdb-ts 0.1.0 serving OVN_Northbound
 *
 * The sinks (stderr, a log file) are injected: this module does no I/O itself.
 *
 * @example
 * const log = new VlogLogger(() => Date.now(), [(line) => process.stderr.write(line)]);
 * log.log('INFO', 'server', 'listening on ptcp:6641:127.0.0.1');
 */
import type { LogLevel, Logger } from './ports.js';

const RANK: Record<LogLevel, number> = { EMER: 0, ERR: 1, WARN: 2, INFO: 3, DBG: 4 };

/** A destination for finished lines (each ends with "\n"), with its own level threshold. */
export interface LogSink {
  readonly minLevel: LogLevel;
  write(line: string): void;
}

/** Formats one line (without the sequence counter's state). */
export function formatVlogLine(wallMs: number, seq: number, level: LogLevel, module: string, message: string): string {
  const ts = new Date(wallMs).toISOString();
  return `${ts}|${String(seq).padStart(5, '0')}|${module}|${level}|${message}\n`;
}

export class VlogLogger implements Logger {
  #seq = 0;
  #sinks: LogSink[];

  constructor(
    private readonly wallMs: () => number,
    sinks: readonly LogSink[],
  ) {
    this.#sinks = [...sinks];
  }

  /** Adds a destination (e.g. the log file once it is open). */
  addSink(sink: LogSink): void {
    this.#sinks.push(sink);
  }

  /** Removes a destination (e.g. stderr after --detach). */
  removeSink(sink: LogSink): void {
    this.#sinks = this.#sinks.filter((s) => s !== sink);
  }

  log(level: LogLevel, module: string, message: string): void {
    const wanted = this.#sinks.filter((s) => RANK[level] <= RANK[s.minLevel]);
    if (wanted.length === 0) return;
    const line = formatVlogLine(this.wallMs(), ++this.#seq, level, module, message);
    for (const s of wanted) s.write(line);
  }
}
