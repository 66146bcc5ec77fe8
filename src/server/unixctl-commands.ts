/**
 * The control-socket commands of ovsdb-server that this server implements (ovsdb-server(1)
 * "RUNTIME MANAGEMENT COMMANDS"), registered on any CommandRegistry (the UnixctlServer of
 * src/transport in production). `list-commands` and `version` are built into the registry.
 */
import type { CommandRegistry } from './ports.js';
import type { OvsdbServer } from './server.js';

export interface UnixctlHooks {
  /** Stops the process cleanly (flush stores, remove pidfile); called after `exit` replied. */
  readonly exit: () => void;
}

/** Registers exit, ovsdb-server/list-dbs, ovsdb-server/compact, memory/show. */
export function registerServerCommands(registry: CommandRegistry, server: OvsdbServer, hooks: UnixctlHooks): void {
  registry.register('exit', { minArgs: 0, maxArgs: 1, usage: '[--cleanup]' }, () => ({ text: '', afterReply: hooks.exit }));

  registry.register('ovsdb-server/list-dbs', { minArgs: 0, maxArgs: 0, usage: '' }, () =>
    server.databaseNames().map((n) => `${n}\n`).join(''));

  registry.register('ovsdb-server/compact', { minArgs: 0, maxArgs: 1, usage: '' }, async (args) => {
    const name = args[0];
    const dbs = name === undefined ? server.databases() : [server.database(name)];
    const target = dbs[0];
    if (name !== undefined && (target === undefined || name === '_Server')) throw new Error(`${name}: unknown database`);
    const failures: string[] = [];
    for (const db of dbs) {
      if (!db) continue;
      try {
        await db.compact();
        server.logger.log('INFO', 'server', `compacted ${db.name}`);
      } catch (e) {
        failures.push(`${db.name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    if (failures.length) throw new Error(failures.join('\n'));
    return '';
  });

  registry.register('memory/show', { minArgs: 0, maxArgs: 0, usage: '' }, () => {
    const stats = server.memoryStats();
    return Object.keys(stats).sort().map((k) => `${k}:${stats[k] ?? 0}`).join(' ');
  });
}
