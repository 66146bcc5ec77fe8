/**
 * `ovsdb-ts tool`: create, inspect and maintain databases offline, with the commands and exit
 * codes of ovsdb-tool(1), plus `export-ovs` (and `create` from an Open vSwitch file) for
 * moving data to and from the real ovsdb-server. Each command is a function
 * `(args..., io) => Promise<ExitCode>` in a tool-*.ts file; this file only wires them to
 * commander and sets the exit status.
 */
import type { Command } from 'commander';
import { createDb, exportOvs } from './tool-create.js';
import { compareVersions, dbIsModel, dbSchemaField, needsConversion, schemaFileField } from './tool-info.js';
import type { ExitCode, ToolIo } from './tool-io.js';
import { processIo, runTool } from './tool-io.js';
import { showLog } from './tool-show-log.js';
import { exitQuietlyOnEpipe } from './quiet-epipe.js';
import { compactDb, convertDb, runTransaction } from './tool-txn.js';
import { checkCluster } from './tool-check-cluster.js';
import { clusterToStandalone, createCluster, joinCluster } from './tool-cluster.js';
import { dbCid, dbLocalAddress, dbSid } from './tool-cluster-info.js';

/** ovsdb-tool's default SCHEMA. */
const DEFAULT_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

/** Sets the process's exit status (the default), or whatever a test wants done with it. */
export type ExitSink = (code: ExitCode) => void;

const setProcessExitCode: ExitSink = (code) => {
  process.exitCode = code;
};

/** `-m` given N times counts N (commander's "increase verbosity" idiom). */
function increase(_value: string, previous: number): number {
  return previous + 1;
}

/** Registers `ovsdb-ts tool` and its subcommands on `program`. */
export function registerToolCommands(program: Command, io: ToolIo = processIo, exit: ExitSink = setProcessExitCode): void {
  const run = (_io: ToolIo, body: () => Promise<ExitCode>): Promise<void> => {
    if (io === processIo) exitQuietlyOnEpipe();
    return runTool(io, body).then(exit);
  };
  const tool = program
    .command('tool')
    .description('create, query and maintain databases offline (like ovsdb-tool)')
    .option('-m, --more', 'increase show-log verbosity (as ovsdb-tool -m show-log)', increase, 0)
    .option('--election-timer <MS>', 'create-cluster: election timer in ms (100 to 600000, default 1000)')
    .option('--cid <UUID>', 'join-cluster: the id of the cluster to join')
    .showHelpAfterError(false)
    .configureOutput({
      // One clear line, as every ovsdb-ts error: "ovsdb-ts: missing required argument 'DB'".
      outputError: (text, write) => write(`ovsdb-ts: ${text.replace(/^error: /, '')}`),
    });

  tool.command('create').argument('<DB>', 'new database directory')
    .argument('[CONTENTS]', `a .ovsschema file, an Open vSwitch standalone database file, or a database of ours (default: ${DEFAULT_SCHEMA})`)
    .description('create DB from a schema, or import an Open vSwitch database file (schema and rows)')
    .action((db: string, contents: string | undefined) => run(io, () => createDb(db, contents ?? DEFAULT_SCHEMA, io)));

  // ovsdb-tool takes its options before the command; both places work here.
  const groupOpts = (): { electionTimer?: string; cid?: string } => tool.opts();

  tool.command('create-cluster').argument('<DB>', 'new clustered database directory')
    .argument('<CONTENTS>', 'a .ovsschema file, a standalone database of ours, or an Open vSwitch standalone database file')
    .argument('<LOCAL>', "this server's Raft address, tcp:IP:PORT or ssl:IP:PORT")
    .option('--election-timer <MS>', 'election timer in ms (100 to 600000, default 1000)')
    .description('create a one-member clustered database holding CONTENTS')
    .action((db: string, contents: string, local: string, opts: { electionTimer?: string }) =>
      run(io, () => createCluster(db, contents, local, { electionTimer: opts.electionTimer ?? groupOpts().electionTimer }, io)));

  tool.command('join-cluster').argument('<DB>', 'new clustered database directory').argument('<NAME>', 'database (schema) name')
    .argument('<LOCAL>', "this server's Raft address, tcp:IP:PORT or ssl:IP:PORT")
    .argument('<REMOTE...>', 'Raft addresses of members of the cluster to join')
    .option('--cid <UUID>', 'join only the cluster with this id')
    .description('create a database that joins an existing cluster when its server starts')
    .action((db: string, name: string, local: string, remotes: string[], opts: { cid?: string }) =>
      run(io, () => joinCluster(db, name, local, remotes, { cid: opts.cid ?? groupOpts().cid }, io)));

  tool.command('cluster-to-standalone').argument('<STANDALONE>', 'new standalone database directory').argument('<CLUSTERED>', "a member's clustered database")
    .description("write the clustered database's committed contents as a new standalone database")
    .action((standalone: string, clustered: string) => run(io, () => clusterToStandalone(standalone, clustered, io)));

  tool.command('check-cluster').argument('<DB...>', "every member's clustered database")
    .description('check the members of a cluster for diverging logs or two leaders in one term')
    .action((dbs: string[]) => run(io, () => checkCluster(dbs, io)));

  for (const [command, fn, what] of [['db-cid', dbCid, 'cluster ID'], ['db-sid', dbSid, 'server ID'], ['db-local-address', dbLocalAddress, 'local Raft address']] as const) {
    tool.command(command).argument('<DB>', 'clustered database')
      .description(`report the ${what} of clustered DB`)
      .action((db: string) => run(io, () => fn(db, io)));
  }

  for (const field of ['name', 'version', 'cksum'] as const) {
    tool.command(`db-${field}`).argument('<DB>', 'database directory or Open vSwitch database file')
      .description(`report the ${field === 'cksum' ? 'checksum' : field} of the schema used by DB`)
      .action((db: string) => run(io, () => dbSchemaField(field, db, io)));
  }
  for (const field of ['name', 'version', 'cksum'] as const) {
    tool.command(`schema-${field}`).argument('<SCHEMA>', '.ovsschema file')
      .description(`report SCHEMA's ${field === 'cksum' ? 'checksum' : field}`)
      .action((schema: string) => run(io, () => schemaFileField(field, schema, io)));
  }

  tool.command('compare-versions').argument('<A>', 'version x.y.z').argument('<OP>', 'one of < <= == >= > !=').argument('<B>', 'version x.y.z')
    .description('compare schema version numbers: exit 0 if "A OP B" holds, 2 if not')
    .action((a: string, op: string, b: string) => run(io, () => compareVersions(a, op, b, io)));

  tool.command('query').argument('<DB>', 'database').argument('<TRANSACTION>', 'JSON array ["DB-NAME", operation...]')
    .description('execute TRANSACTION on DB without saving any change, print the results')
    .action((db: string, txn: string) => run(io, () => runTransaction(db, txn, false, io)));

  tool.command('transact').argument('<DB>', 'database directory').argument('<TRANSACTION>', 'JSON array ["DB-NAME", operation...]')
    .description('execute TRANSACTION on DB and save its changes, print the results')
    .action((db: string, txn: string) => run(io, () => runTransaction(db, txn, true, io)));

  tool.command('show-log').argument('<DB>', 'database').option('-m, --more', 'more detail: changed rows (-m), changed columns (-mm)', increase, 0)
    .description("print DB's records since the last compaction")
    .action((db: string, opts: { more: number }) => {
      const groupMore = (tool.opts() as { more?: number }).more ?? 0;
      return run(io, () => showLog(db, opts.more + groupMore, io));
    });

  tool.command('compact').argument('<DB>', 'database').argument('[DST]', 'write the compacted database here instead of in place')
    .description('compact DB in place (or into a new DST)')
    .action((db: string, dst: string | undefined) => run(io, () => compactDb(db, dst, io)));

  tool.command('convert').argument('<DB>', 'database').argument('<SCHEMA>', '.ovsschema file').argument('[DST]', 'write the result here instead of in place')
    .description('convert DB to SCHEMA in place (or into a new DST)')
    .action((db: string, schema: string, dst: string | undefined) => run(io, () => convertDb(db, schema, dst, io)));

  tool.command('needs-conversion').argument('<DB>', 'database').argument('<SCHEMA>', '.ovsschema file')
    .description('print "yes" if DB\'s schema differs from SCHEMA, else "no"')
    .action((db: string, schema: string) => run(io, () => needsConversion(db, schema, io)));

  tool.command('db-is-standalone').argument('<DB>', 'database')
    .description('exit 0 if DB is standalone, 2 if clustered, 1 on error')
    .action((db: string) => run(io, () => dbIsModel('standalone', db, io)));

  tool.command('db-is-clustered').argument('<DB>', 'database')
    .description('exit 0 if DB is clustered, 2 if standalone, 1 on error')
    .action((db: string) => run(io, () => dbIsModel('clustered', db, io)));

  tool.command('export-ovs').argument('<DB>', 'database').argument('<FILE>', 'new Open vSwitch database file')
    .description('write DB as an Open vSwitch standalone database file that ovsdb-server can open')
    .action((db: string, file: string) => run(io, () => exportOvs(db, file, io)));
}
