/**
 * The command line of `ovsdb-ts server`, parsed as ovsdb-server parses its own (getopt_long):
 * an option with an optional argument takes it only when attached (`--pidfile=FILE`, `-vdbg`),
 * so `-v --remote=...` and `--pidfile DB` never swallow the next word; a required argument may
 * be attached or the next word (`--user ovn`); long options may be abbreviated to a unique
 * prefix; `--` ends the options. Error texts are getopt's, as ovsdb-server prints them.
 *
 * @example
 * const r = parseServerArgs(['-vconsole:off', '--remote=ptcp:6641', 'nb.db']);
 * if (r.ok) r.args.dbs; // ['nb.db']
 */

type ArgKind = 'none' | 'required' | 'optional';

interface OptionDef {
  readonly long: string;
  readonly short?: string;
  readonly arg: ArgKind;
}

/** ovsdb-server 3.1's options (ovsdb-server --help), plus ours: --fsync, --demo. */
const OPTIONS: readonly OptionDef[] = [
  { long: 'remote', arg: 'required' },
  { long: 'unixctl', arg: 'required' },
  { long: 'run', arg: 'required' },
  { long: 'sync-from', arg: 'required' },
  { long: 'sync-exclude-tables', arg: 'required' },
  { long: 'active', arg: 'none' },
  { long: 'disable-file-column-diff', arg: 'none' },
  { long: 'private-key', short: 'p', arg: 'required' },
  { long: 'certificate', short: 'c', arg: 'required' },
  { long: 'ca-cert', short: 'C', arg: 'required' },
  { long: 'bootstrap-ca-cert', arg: 'required' },
  { long: 'ssl-protocols', arg: 'required' },
  { long: 'ssl-ciphers', arg: 'required' },
  { long: 'detach', arg: 'none' },
  { long: 'monitor', arg: 'none' },
  { long: 'user', arg: 'required' },
  { long: 'no-chdir', arg: 'none' },
  { long: 'pidfile', arg: 'optional' },
  { long: 'overwrite-pidfile', arg: 'none' },
  { long: 'verbose', short: 'v', arg: 'optional' },
  { long: 'log-file', arg: 'optional' },
  { long: 'syslog-method', arg: 'required' },
  { long: 'syslog-target', arg: 'required' },
  { long: 'record', arg: 'optional' },
  { long: 'replay', arg: 'optional' },
  { long: 'help', short: 'h', arg: 'none' },
  { long: 'version', short: 'V', arg: 'none' },
  // ovsdb-ts's own
  { long: 'fsync', arg: 'required' },
  { long: 'demo', arg: 'none' },
];

/** Parsed options. `true` for --pidfile/--log-file given without a FILE (use the default). */
export interface ServerArgs {
  readonly dbs: readonly string[];
  readonly remotes: readonly string[];
  readonly unixctl: string | undefined;
  readonly pidfile: string | true | undefined;
  readonly overwritePidfile: boolean;
  readonly logFile: string | true | undefined;
  /** -v/--verbose specs in order; '' for a bare -v. */
  readonly verbose: readonly string[];
  readonly detach: boolean;
  readonly monitor: boolean;
  readonly noChdir: boolean;
  readonly user: string | undefined;
  readonly privateKey: string | undefined;
  readonly certificate: string | undefined;
  readonly caCert: string | undefined;
  readonly sslProtocols: string | undefined;
  readonly sslCiphers: string | undefined;
  readonly fsync: 'always' | 'never';
  readonly demo: boolean;
  readonly help: boolean;
  readonly version: boolean;
  /** Options recognised but not implemented: the caller refuses them with its own message. */
  readonly unsupported: readonly string[];
}

export type ParseResult = { readonly ok: true; readonly args: ServerArgs } | { readonly ok: false; readonly error: string };

type Mutable = {
  -readonly [K in keyof ServerArgs]: ServerArgs[K] extends readonly (infer T)[] ? T[] : ServerArgs[K];
};

function findLong(name: string): OptionDef | string {
  const exact = OPTIONS.find((o) => o.long === name);
  if (exact) return exact;
  const matches = OPTIONS.filter((o) => o.long.startsWith(name));
  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) return `option '--${name}' is ambiguous; possibilities:${matches.map((m) => ` '--${m.long}'`).join('')}`;
  return `unrecognized option '--${name}'`;
}

/** Parses ARGV (after `server`). */
export function parseServerArgs(argv: readonly string[]): ParseResult {
  const a: Mutable = {
    dbs: [], remotes: [], unixctl: undefined, pidfile: undefined, overwritePidfile: false, logFile: undefined, verbose: [],
    detach: false, monitor: false, noChdir: false, user: undefined, privateKey: undefined, certificate: undefined, caCert: undefined,
    sslProtocols: undefined, sslCiphers: undefined, fsync: 'never', demo: false, help: false, version: false, unsupported: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    if (word === '--') {
      a.dbs.push(...argv.slice(i + 1));
      break;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const def = findLong(name);
      if (typeof def === 'string') return { ok: false, error: def };
      let value: string | undefined = eq < 0 ? undefined : word.slice(eq + 1);
      if (def.arg === 'none' && value !== undefined) return { ok: false, error: `option '--${def.long}' doesn't allow an argument` };
      if (def.arg === 'required' && value === undefined) {
        value = argv[++i];
        if (value === undefined) return { ok: false, error: `option '--${def.long}' requires an argument` };
      }
      const error = apply(a, def.long, value);
      if (error !== undefined) return { ok: false, error };
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      // A cluster of short options: -hV, -vdbg, -p FILE, -pFILE.
      for (let j = 1; j < word.length; j++) {
        const letter = word[j] ?? '';
        const def = OPTIONS.find((o) => o.short === letter);
        if (!def) return { ok: false, error: `invalid option -- '${letter}'` };
        let value: string | undefined;
        if (def.arg !== 'none') {
          const rest = word.slice(j + 1);
          if (rest !== '') value = rest;
          else if (def.arg === 'required') {
            value = argv[++i];
            if (value === undefined) return { ok: false, error: `option requires an argument -- '${letter}'` };
          }
        }
        const error = apply(a, def.long, value);
        if (error !== undefined) return { ok: false, error };
        if (def.arg !== 'none') break;
      }
      continue;
    }
    a.dbs.push(word);
  }
  return { ok: true, args: a };
}

/** Records one option; returns an error text for a bad value. */
function apply(a: Mutable, long: string, value: string | undefined): string | undefined {
  const v = value ?? '';
  switch (long) {
    case 'remote': a.remotes.push(v); break;
    case 'unixctl': a.unixctl = v; break;
    case 'private-key': a.privateKey = v; break;
    case 'certificate': a.certificate = v; break;
    case 'ca-cert': a.caCert = v; break;
    case 'ssl-protocols': a.sslProtocols = v; break;
    case 'ssl-ciphers': a.sslCiphers = v; break;
    case 'detach': a.detach = true; break;
    case 'monitor': a.monitor = true; break;
    case 'user': a.user = v; break;
    case 'no-chdir': a.noChdir = true; break;
    case 'pidfile': a.pidfile = value ?? true; break;
    case 'overwrite-pidfile': a.overwritePidfile = true; break;
    case 'verbose': a.verbose.push(v); break;
    case 'log-file': a.logFile = value ?? true; break;
    case 'help': a.help = true; break;
    case 'version': a.version = true; break;
    case 'demo': a.demo = true; break;
    case 'fsync':
      if (v !== 'always' && v !== 'never') return `--fsync must be "always" or "never", not "${v}"`;
      a.fsync = v;
      break;
    // ovsdb-server's file-format option: our store has no column diffs to disable.
    case 'disable-file-column-diff': break;
    default: a.unsupported.push(`--${long}`); break;
  }
  return undefined;
}

/** `ovsdb-ts server --help`, in the shape of ovsdb-server --help. */
export function serverUsage(defaults: { rundir: string; logdir: string; dbdir: string }): string {
  return `ovsdb-ts server: OVSDB server (like ovsdb-server)
usage: ovsdb-ts server [OPTIONS] [DATABASE...]
where each DATABASE is a database directory created by \`ovsdb-ts tool create\`.
The default DATABASE, if none is given, is
${defaults.dbdir}/conf.db.

JSON-RPC options (may be specified any number of times):
  --remote=REMOTE         listen on REMOTE: ptcp:PORT[:IP], pssl:PORT[:IP], punix:FILE,
                          or the targets in db:DB,TABLE,COLUMN (followed as it changes)
PKI configuration (required to use SSL; each FILE may be db:DB,TABLE,COLUMN):
  -p, --private-key=FILE  file with private key
  -c, --certificate=FILE  file with certificate for private key
  -C, --ca-cert=FILE      file with peer CA certificate
SSL options:
  --ssl-protocols=PROTOS  list of SSL protocols to enable
  --ssl-ciphers=CIPHERS   list of SSL ciphers to enable

Daemon options:
  --detach                run in background as daemon
  --monitor               creates a process to monitor this daemon
  --user=username[:group] changes the effective daemon user:group
  --no-chdir              do not chdir to '/'
  --pidfile[=FILE]        create pidfile (default: ${defaults.rundir}/ovsdb-server.pid)
  --overwrite-pidfile     with --pidfile, start even if already running

Logging options:
  -vSPEC, --verbose=SPEC   set logging levels
  -v, --verbose            set maximum verbosity level
  --log-file[=FILE]        enable logging to specified FILE
                           (default: ${defaults.logdir}/ovsdb-server.log)

Other options:
  --unixctl=SOCKET        override default control socket name
  --fsync=always|never    always: every commit is durable before its reply
  --demo                  serve a local OVN Northbound database (npm start)
  -h, --help              display this help message
  -V, --version           display version information
`;
}
