import type { Command } from 'commander';

/** Registers `ovsdb-ts tool`. */
export function registerToolCommands(program: Command): void {
  program.command('tool').description('create, query and maintain database files (like ovsdb-tool)').action(() => {
    throw new Error('tool: not implemented yet');
  });
}
