/**
 * The control-socket commands of ovsdb-server that this server implements (ovsdb-server(1)
 * "RUNTIME MANAGEMENT COMMANDS", vlog(8)), registered on any CommandRegistry (the UnixctlServer
 * of src/transport in production). `list-commands` and `version` are built into the registry.
 * Replies and errors use ovsdb-server 3.1's texts.
 */
import type { CommandRegistry } from './ports.js';
import type { OvsdbServer } from './server.js';

/** The server's --remote set (src/cli/server-remotes.ts RemoteSet). */
export interface RemoteControl {
  /** Starts serving a remote; rejects with the reason it cannot. */
  add(remote: string): Promise<void>;
  /** Stops serving a remote and drops its clients; false if there is no such remote. */
  remove(remote: string): boolean;
  list(): readonly string[];
  /** Drops every client connection (they reconnect). */
  reconnect(): void;
}

/** Log levels as vlog/set and vlog/list see them (src/server/vlog.ts VlogLogger). */
export interface VlogControl {
  /** Applies a spec; returns OVS's error text, or undefined. */
  set(spec: string): string | undefined;
  setLevel(module: undefined, dest: undefined, level: 'DBG'): void;
  list(): string;
}

export interface UnixctlHooks {
  /** Stops the process cleanly (flush stores, remove pidfile); called after `exit` replied. */
  readonly exit: () => void;
  readonly remotes?: RemoteControl;
  readonly vlog?: VlogControl;
  /** vlog/reopen: reopens the log file at its path (after logrotate moved it); throws the reply error. */
  readonly reopenLog?: () => void;
  /** vlog/close: closes the log file until the next reopen. */
  readonly closeLog?: () => void;
}

/** Registers exit, ovsdb-server/*, memory/show and vlog/* on `registry`. */
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

  const remotes = hooks.remotes;
  if (remotes) {
    registry.register('ovsdb-server/add-remote', { minArgs: 1, maxArgs: 1, usage: 'REMOTE' }, async (args) => {
      await remotes.add(args[0] ?? '');
      return '';
    });
    registry.register('ovsdb-server/remove-remote', { minArgs: 1, maxArgs: 1, usage: 'REMOTE' }, (args) => {
      if (!remotes.remove(args[0] ?? '')) throw new Error('no such remote');
      return '';
    });
    registry.register('ovsdb-server/list-remotes', { minArgs: 0, maxArgs: 0, usage: '' }, () =>
      remotes.list().map((r) => `${r}\n`).join(''));
    registry.register('ovsdb-server/reconnect', { minArgs: 0, maxArgs: 0, usage: '' }, () => {
      remotes.reconnect();
      return '';
    });
  }

  const vlog = hooks.vlog;
  if (vlog) {
    registry.register('vlog/set', { minArgs: 0, maxArgs: Infinity, usage: '{spec | PATTERN:destination:pattern}' }, (args) => {
      if (args.length === 0) vlog.setLevel(undefined, undefined, 'DBG');
      for (const spec of args) {
        const error = vlog.set(spec);
        if (error !== undefined) throw new Error(error);
      }
      return '';
    });
    registry.register('vlog/list', { minArgs: 0, maxArgs: 0, usage: '' }, () => vlog.list());
  }
  const reopen = hooks.reopenLog;
  if (reopen) {
    registry.register('vlog/reopen', { minArgs: 0, maxArgs: 0, usage: '' }, () => {
      reopen();
      return '';
    });
  }
  const close = hooks.closeLog;
  if (close) {
    registry.register('vlog/close', { minArgs: 0, maxArgs: 0, usage: '' }, () => {
      close();
      return '';
    });
  }
}
