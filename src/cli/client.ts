import type { Command } from 'commander';

/** Registers `ovsdb-ts client`. */
export function registerClientCommands(program: Command): void {
  program.command('client').description('talk to an OVSDB server (like ovsdb-client)').action(() => {
    throw new Error('client: not implemented yet');
  });
}
