/**
 * The server's Node options (src/cli/node-options.ts) are given the same way at every launch
 * point: the executable's first line, `npm start`, and --detach's re-run (which passes on its
 * own options); and running the executable directly puts them in force.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVER_NODE_OPTIONS } from '../../src/cli/node-options.js';
import { cliPath as cli, ensureBuilt, repoRoot as root } from '../helpers/build.js';

describe('server node options', () => {
  it('the executable\'s first line and npm start carry exactly SERVER_NODE_OPTIONS', () => {
    const shebang = readFileSync(join(root, 'src', 'cli', 'main.ts'), 'utf8').split('\n')[0];
    expect(shebang).toBe(`#!/usr/bin/env -S node ${SERVER_NODE_OPTIONS.join(' ')}`);
    const pkg: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const start = typeof pkg === 'object' && pkg !== null && 'scripts' in pkg && typeof pkg.scripts === 'object' && pkg.scripts !== null && 'start' in pkg.scripts ? pkg.scripts.start : undefined;
    expect(start).toBe(`npm run build --silent && node ${SERVER_NODE_OPTIONS.join(' ')} dist/src/cli/main.js cluster up cluster-configs/local-3.json`);
  });

  it('the built executable, started as the kernel starts it from its first line, runs with them', async () => {
    ensureBuilt();
    const first = readFileSync(cli, 'utf8').split('\n')[0] ?? '';
    expect(first).toBe(`#!/usr/bin/env -S node ${SERVER_NODE_OPTIONS.join(' ')}`);
    // The kernel runs the interpreter with the rest of the line as one argument, then the script.
    const [interpreter, lineArg] = [first.slice(2, first.indexOf(' ')), first.slice(first.indexOf(' ') + 1)];
    const run = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
      execFile(interpreter, [lineArg, ...args], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
    expect(await run([cli, '--help'])).toMatch(/^Usage: ovsdb-ts/);
    // What node makes of the same line: the options are in force (process.execArgv).
    const inForce = await run(['-p', 'JSON.stringify(process.execArgv)']);
    expect(JSON.parse(inForce)).toEqual([...SERVER_NODE_OPTIONS, '-p', 'JSON.stringify(process.execArgv)']);
  });
});
