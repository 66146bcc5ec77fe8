/**
 * `ovsdb-ts client [OPTIONS] COMMAND [SERVER] [DATABASE] [ARG...]`, the counterpart of
 * ovsdb-client(1). This file only parses the command line and wires process I/O; the commands
 * live in src/client/cli/.
 */
import { readFile } from 'node:fs/promises';
import { Buffer } from 'node:buffer';
import type { Command } from 'commander';
import { makeConnector } from '../client/connector.js';
import type { ClientCliOptions, ClientIo } from '../client/cli/context.js';
import { clientCommandNames, runClientCommand } from '../client/cli/run-client-command.js';
import { parseCellFormat, parseTableFormat } from '../client/table-format.js';
import { exitQuietlyOnEpipe } from './quiet-epipe.js';

interface RawOptions {
  format?: string;
  data?: string;
  headings: boolean;
  pretty?: boolean;
  bare?: boolean;
  maxColumnWidth?: string;
  timeout?: string;
  leaderOnly: boolean;
  timestamp?: boolean;
  force?: boolean;
  dbChangeAware?: boolean;
  privateKey?: string;
  certificate?: string;
  caCert?: string;
}

const usage = `
Commands (SERVER defaults to unix:/var/run/openvswitch/db.sock and may be a comma-separated
list; DATABASE defaults to Open_vSwitch or the server's only database):
  list-dbs [SERVER]
  get-schema [SERVER] [DATABASE]
  get-schema-version [SERVER] [DATABASE]
  get-schema-cksum [SERVER] [DATABASE]
  list-tables [SERVER] [DATABASE]
  list-columns [SERVER] [DATABASE] [TABLE]
  transact [SERVER] TRANSACTION
  query [SERVER] TRANSACTION
  monitor [SERVER] [DATABASE] TABLE [COLUMN,...]...   (or ALL)
  monitor-cond [SERVER] [DATABASE] CONDITION TABLE [COLUMN,...]...
  monitor-cond-since [SERVER] [DATABASE] [LASTID] CONDITION TABLE [COLUMN,...]...
  convert [SERVER] SCHEMA
  needs-conversion [SERVER] SCHEMA
  wait [SERVER] DATABASE added|connected|removed
  dump [SERVER] [DATABASE] [TABLE [COLUMN]...]
  backup [SERVER] [DATABASE] > SNAPSHOT
  [--force] restore [SERVER] [DATABASE] < SNAPSHOT
  lock|steal|unlock [SERVER] LOCK
`;

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}

/** Turns commander's options into the command options; throws on bad values. */
function toOptions(raw: RawOptions): ClientCliOptions {
  const bare = raw.bare === true;
  let timeoutSec = 0;
  if (raw.timeout !== undefined) {
    timeoutSec = Number(raw.timeout);
    if (!/^\d+$/.test(raw.timeout) || timeoutSec === 0) throw new Error(`value ${raw.timeout} on -t or --timeout is invalid`);
  }
  return {
    style: {
      format: bare ? 'list' : parseTableFormat(raw.format ?? 'table'),
      cellFormat: bare ? 'bare' : parseCellFormat(raw.data ?? 'string'),
      headings: bare ? false : raw.headings,
      pretty: raw.pretty === true,
      maxColumnWidth: raw.maxColumnWidth !== undefined ? Number(raw.maxColumnWidth) : 0,
    },
    leaderOnly: raw.leaderOnly,
    timestamp: raw.timestamp === true,
    force: raw.force === true,
    dbChangeAware: raw.dbChangeAware,
    timeoutSec,
  };
}

/** Registers `ovsdb-ts client`. */
export function registerClientCommands(program: Command): void {
  program
    .command('client')
    .description('talk to an OVSDB server (like ovsdb-client)')
    .usage('[options] COMMAND [SERVER] [DATABASE] [ARG...]')
    .argument('<command>', `one of: ${clientCommandNames.join(', ')}`)
    .argument('[args...]', 'SERVER, DATABASE and command arguments')
    .option('-f, --format <format>', 'output format: table, list, csv, json or html', 'table')
    .option('-d, --data <format>', 'cell format: string, bare or json', 'string')
    .option('--no-headings', 'omit table heading row')
    .option('--pretty', 'pretty-print JSON output')
    .option('--bare', 'equivalent to --format=list --data=bare --no-headings')
    .option('--max-column-width <n>', 'truncate table columns to N bytes')
    .option('-t, --timeout <secs>', 'give up after about SECS seconds')
    .option('--leader-only', 'with a clustered database, use only the leader (default)')
    .option('--no-leader-only', 'accept any connected cluster member')
    .option('--timestamp', 'timestamp "monitor" output')
    .option('--force', 'restore even if the schemas differ')
    .option('--db-change-aware', 'require set_db_change_aware')
    .option('--no-db-change-aware', 'do not send set_db_change_aware')
    .option('--private-key <file>', 'SSL private key')
    .option('--certificate <file>', 'SSL certificate')
    .option('--ca-cert <file>', 'SSL CA certificate')
    .addHelpText('after', usage)
    .action(async (command: string, args: string[], raw: RawOptions) => {
      exitQuietlyOnEpipe();
      let opts: ClientCliOptions;
      try {
        opts = toOptions(raw);
      } catch (err) {
        process.stderr.write(`ovsdb-ts client: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      }
      const tls = raw.privateKey !== undefined && raw.certificate !== undefined && raw.caCert !== undefined
        ? { privateKeyPath: raw.privateKey, certificatePath: raw.certificate, caCertPath: raw.caCert }
        : undefined;
      const io: ClientIo = {
        stdout: (s) => { process.stdout.write(s); },
        stderr: (s) => { process.stderr.write(s); },
        readStdin,
        readFile: (p) => readFile(p, 'utf8'),
        stdinIsTTY: process.stdin.isTTY === true,
        stdoutIsTTY: process.stdout.isTTY === true,
        connector: makeConnector(tls ? { tls } : {}),
      };
      const code = await runClientCommand(command, args, opts, io);
      process.exit(code);
    });
}
