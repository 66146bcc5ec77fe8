/**
 * `ovsdb-ts ovs-compat-dir`: prints a directory of entry points named as Open vSwitch's tools,
 * `ovsdb-server`, `ovsdb-tool` and `ovsdb-client`, each a small sh script that runs ours with
 * the same arguments, so that scripts written for OVS run ovsdb-ts unchanged:
 *
 *   PATH=$(npx ovsdb-ts ovs-compat-dir):$PATH /usr/share/ovn/scripts/ovn-ctl start_nb_ovsdb
 *
 * What the scripts adapt (what ovn-ctl and ovs-lib rely on):
 * - `ovsdb-server` sets the process name to "ovsdb-server" (ovn-ctl's pidfile_is_running
 *   compares /proc/PID/comm with it; otherwise it would start a second server);
 * - `ovsdb-tool` and `ovsdb-client` drop `-v`/`--verbose` options (ovs-lib runs
 *   `ovsdb-tool -vconsole:off ...`), which only set log levels in OVS.
 *
 * The directory is the package's `dist/ovs-compat` when writable, else one under
 * $XDG_RUNTIME_DIR (or the temp dir) named after the package path. Scripts are rewritten only
 * when their text changes, through a rename, so concurrent calls are safe and repeated ones cheap.
 */
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { PROCESS_TITLE_ENV } from './server.js';

/** OVS tool name → our command group. */
export const OVS_COMPAT_TOOLS = { 'ovsdb-server': 'server', 'ovsdb-tool': 'tool', 'ovsdb-client': 'client' } as const;

export interface OvsCompatOptions {
  /** Absolute path of dist/src/cli/main.js. */
  readonly mainJs: string;
  /** The node executable the scripts run. */
  readonly nodePath: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Single-quotes a word for sh. */
function shQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The text of one entry point. */
export function compatScript(tool: keyof typeof OVS_COMPAT_TOOLS, opts: Pick<OvsCompatOptions, 'mainJs' | 'nodePath'>): string {
  const run = `${shQuote(opts.nodePath)} --v8-pool-size=0 ${shQuote(opts.mainJs)} ${OVS_COMPAT_TOOLS[tool]} "$@"`;
  const lines = ['#!/bin/sh', `# ${tool} of ovsdb-ts (written by \`ovsdb-ts ovs-compat-dir\`; do not edit).`];
  if (tool === 'ovsdb-server') {
    lines.push(`${PROCESS_TITLE_ENV}=ovsdb-server exec ${run}`);
  } else {
    lines.push(
      '# OVS log-level options (-vconsole:off, --verbose=...) do not apply: drop them.',
      'n=$#',
      'for a in "$@"; do',
      '  case $a in -v*|--verbose|--verbose=*) ;; *) set -- "$@" "$a" ;; esac',
      'done',
      'shift "$n"',
      `exec ${run}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Creates (or refreshes) the directory and returns its path. */
export function ensureOvsCompatDir(opts: OvsCompatOptions): string {
  const packageDist = resolve(dirname(opts.mainJs), '../..');
  const tag = createHash('sha256').update(`${opts.nodePath}\0${opts.mainJs}`).digest('hex').slice(0, 12);
  const runtime = opts.env['XDG_RUNTIME_DIR'];
  const candidates = [join(packageDist, 'ovs-compat'), join(runtime !== undefined && runtime !== '' ? runtime : tmpdir(), `ovsdb-ts-ovs-compat-${tag}`)];
  for (const dir of candidates) {
    if (!writable(dir)) continue;
    for (const tool of Object.keys(OVS_COMPAT_TOOLS) as (keyof typeof OVS_COMPAT_TOOLS)[]) {
      const path = join(dir, tool);
      const text = compatScript(tool, opts);
      let old: string | undefined;
      try {
        old = readFileSync(path, 'utf8');
      } catch {
        old = undefined;
      }
      if (old !== text) {
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, text, { mode: 0o755 });
        chmodSync(tmp, 0o755);
        renameSync(tmp, path);
      }
    }
    return dir;
  }
  throw new Error(`cannot create a directory for the OVS entry points (tried ${candidates.join(', ')})`);
}

/** Registers `ovsdb-ts ovs-compat-dir`. */
export function registerOvsCompatCommand(program: Command): void {
  program
    .command('ovs-compat-dir')
    .description('print a directory of ovsdb-server, ovsdb-tool and ovsdb-client entry points (ours, with OVS\'s names) to put first on PATH')
    .action(() => {
      const mainJs = resolve(dirname(fileURLToPath(import.meta.url)), 'main.js');
      process.stdout.write(`${ensureOvsCompatDir({ mainJs, nodePath: process.execPath, env: process.env })}\n`);
    });
}
