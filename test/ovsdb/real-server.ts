/** Starts a real ovsdb-server on a unix socket in a temp dir and speaks JSON-RPC to it. */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Json } from '../../src/base/json.js';

export class RealServer {
  private proc: ChildProcess | undefined;
  private sock: Socket | undefined;
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, (v: Json) => void>();
  readonly dir = mkdtempSync(join(tmpdir(), 'ovsdb-eng-'));

  async start(schema: unknown): Promise<void> {
    writeFileSync(join(this.dir, 's.ovsschema'), JSON.stringify(schema));
    execFileSync('ovsdb-tool', ['create', join(this.dir, 'db'), join(this.dir, 's.ovsschema')]);
    const sockPath = join(this.dir, 's.sock');
    this.proc = spawn('ovsdb-server', [`--remote=punix:${sockPath}`, `--unixctl=${join(this.dir, 'ctl')}`,
      '--no-chdir', `--log-file=${join(this.dir, 'log')}`, join(this.dir, 'db')], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !existsSync(sockPath); i++) await new Promise((r) => setTimeout(r, 20));
    this.sock = connect(sockPath);
    await new Promise<void>((resolve, reject) => { this.sock?.once('connect', resolve); this.sock?.once('error', reject); });
    this.sock.setEncoding('utf8');
    this.sock.on('data', (d: string) => this.onData(d));
  }

  private onData(d: string): void {
    this.buf += d;
    for (;;) {
      const end = jsonEnd(this.buf);
      if (end < 0) return;
      const msg = JSON.parse(this.buf.slice(0, end)) as { id: Json; result?: Json; error?: Json; method?: string; params?: Json };
      this.buf = this.buf.slice(end);
      if (msg.method === 'echo') {
        // Answer the server's inactivity probe, or it drops the connection.
        this.sock?.write(JSON.stringify({ id: msg.id, result: msg.params ?? [], error: null }));
        continue;
      }
      const cb = typeof msg.id === 'number' ? this.pending.get(msg.id) : undefined;
      if (cb) { this.pending.delete(msg.id as number); cb(msg.result ?? { rpcError: msg.error ?? null }); }
    }
  }

  call(method: string, params: Json): Promise<Json> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timeout on ${method}`)), 5000);
      this.pending.set(id, (v) => { clearTimeout(timer); resolve(v); });
      this.sock?.write(JSON.stringify({ method, params, id }));
    });
  }

  stop(): void {
    this.sock?.destroy();
    this.proc?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Length of the first complete JSON value in `s`, or -1. */
function jsonEnd(s: string): number {
  let depth = 0;
  let inStr = false;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (inStr) {
      if (c === '\\') i++;
      else if (c === '"') inStr = false;
      continue;
    }
    if (c === '"') inStr = true;
    else if (c === '{' || c === '[') { depth++; started = true; }
    else if (c === '}' || c === ']') { depth--; if (started && depth === 0) return i + 1; }
  }
  return -1;
}
