import type { Command } from 'commander';

/** Registers `ovsdb-ts server`. */
export function registerServerCommand(program: Command): void {
  program.command('server').description('run an OVSDB server (like ovsdb-server)').action(() => {
    throw new Error('server: not implemented yet');
  });
}
