/**
 * The shared setup of the transport tests: a temp dir holding a test PKI, made before a file's
 * tests, and the listeners, sockets and child processes they open, closed after them.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { ActiveAddress } from '../../src/transport/address.js';
import type { Listener } from '../../src/transport/listen.js';
import { makeTestPki, type TestPki } from './tls-certs.js';

export class TransportFixture {
  readonly listeners: Listener[] = [];
  readonly sockets: Socket[] = [];
  readonly children: ChildProcess[] = [];
  #dir: string | undefined;
  #pki: TestPki | undefined;

  /** Registers the file's beforeAll/afterAll; `prefix` names the temp dir. */
  constructor(prefix: string) {
    beforeAll(() => {
      this.#dir = mkdtempSync(join(tmpdir(), prefix));
      this.#pki = makeTestPki(this.#dir);
    });
    afterAll(async () => {
      for (const c of this.children) c.kill('SIGKILL');
      for (const s of this.sockets) s.destroy();
      for (const l of this.listeners) await l.close();
      if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    });
  }

  get dir(): string {
    if (this.#dir === undefined) throw new Error('the fixture is ready only inside tests');
    return this.#dir;
  }

  get pki(): TestPki {
    if (this.#pki === undefined) throw new Error('the fixture is ready only inside tests');
    return this.#pki;
  }
}

/** The address a client uses to reach `l`. */
export function activeOf(l: Listener): ActiveAddress {
  const a = l.address;
  if (a.kind === 'punix') return { kind: 'unix', path: a.path };
  return { kind: a.kind === 'ptcp' ? 'tcp' : 'ssl', host: a.host, port: a.port };
}

/** Resolves once `cond()` holds, polling every 5 ms; rejects after `timeoutMs`. */
export function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() - start > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(tick, 5);
    };
    tick();
  });
}
