import type { Command } from 'commander';

/** Registers `ovsdb-ts ctl`. */
export function registerCtlCommand(program: Command): void {
  program.command('ctl').description('send a command to a running server control socket (like ovs-appctl)').action(() => {
    throw new Error('ctl: not implemented yet');
  });
}
