#!/usr/bin/env -S node --v8-pool-size=0
/**
 * The one executable, `ovsdb-ts`, and the composition root: each command group registers itself
 * from its own file. Only src/cli touches process.argv, process.env and process.exit.
 */
import { Command } from 'commander';
import { registerServerCommand } from './server.js';
import { registerToolCommands } from './tool.js';
import { registerClientCommands } from './client.js';
import { registerCtlCommand } from './ctl.js';
import { registerClusterCommand } from './cluster.js';
import { registerOvsCompatCommand } from './ovs-compat.js';

const program = new Command();
program
  .name('ovsdb-ts')
  .description('An OVSDB server whose databases are replicated by Raft: every member is active.')
  .version('0.1.0')
  .showHelpAfterError()
  // Options of the program (--version, --help) only before the command: `server -V` is the server's.
  .enablePositionalOptions();

registerServerCommand(program);
registerToolCommands(program);
registerClientCommands(program);
registerCtlCommand(program);
registerClusterCommand(program);
registerOvsCompatCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`ovsdb-ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
