/**
 * `ovsdb-ts ovs-compat-dir`: the OVS-named entry points run our command groups with the same
 * arguments (quoting kept), drop OVS log-level options for the tool and client (ovs-lib passes
 * `-vconsole:off`), name the server process "ovsdb-server", and are written once.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compatScript, ensureOvsCompatDir } from '../../src/cli/ovs-compat.js';
import { cliPath, ensureBuilt } from '../helpers/build.js';

describe('ovs-compat-dir', () => {
  const root = mkdtempSync(join(tmpdir(), 'compat-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  // A stand-in for dist/src/cli/main.js that prints what it was given.
  const mainJs = join(root, 'dist', 'src', 'cli', 'main.js');
  mkdirSync(join(root, 'dist', 'src', 'cli'), { recursive: true });
  writeFileSync(mainJs, 'process.stdout.write(JSON.stringify({ argv: process.argv.slice(2), title: process.env.OVSDB_TS_PROCESS_TITLE ?? null }));\n');
  const opts = { mainJs, nodePath: process.execPath, env: {} };

  it('writes ovsdb-server, ovsdb-tool and ovsdb-client under the package, once', () => {
    const dir = ensureOvsCompatDir(opts);
    expect(dir).toBe(join(root, 'dist', 'ovs-compat'));
    const mtimeMs = statSync(join(dir, 'ovsdb-tool')).mtimeMs;
    expect(statSync(join(dir, 'ovsdb-server')).mode & 0o111).toBe(0o111);
    expect(ensureOvsCompatDir(opts)).toBe(dir);
    expect(statSync(join(dir, 'ovsdb-tool')).mtimeMs).toBe(mtimeMs);
  });

  it('passes arguments through, quoting intact, and drops -v options for the tool and the client', () => {
    const dir = ensureOvsCompatDir(opts);
    const runTool = (tool: string, args: string[]): unknown => JSON.parse(execFileSync(join(dir, tool), args, { encoding: 'utf8' }));
    expect(runTool('ovsdb-tool', ['-vconsole:off', 'create', '/tmp/a b', "it's", '--verbose=dbg'])).toEqual({ argv: ['tool', 'create', '/tmp/a b', "it's"], title: null });
    expect(runTool('ovsdb-client', ['-t', '30', 'wait', 'unix:/x', 'OVN_Northbound', 'connected'])).toEqual({ argv: ['client', '-t', '30', 'wait', 'unix:/x', 'OVN_Northbound', 'connected'], title: null });
    // The server keeps -v (it has OVS's -vSPEC) and takes OVS's process name.
    expect(runTool('ovsdb-server', ['-vconsole:off', '--remote=punix:/x y', 'db'])).toEqual({ argv: ['server', '-vconsole:off', '--remote=punix:/x y', 'db'], title: 'ovsdb-server' });
  });

  it('quotes the node and script paths for sh', () => {
    expect(compatScript('ovsdb-tool', { mainJs: "/opt/it's/main.js", nodePath: '/usr/bin/node' })).toContain(`'/opt/it'\\''s/main.js' tool "$@"`);
  });

  it('is a command of the real CLI that prints the directory', () => {
    ensureBuilt();
    const dir = execFileSync(process.execPath, [cliPath, 'ovs-compat-dir'], { encoding: 'utf8' }).trim();
    expect(execFileSync(join(dir, 'ovsdb-tool'), ['-vconsole:off', 'schema-name', join(cliPath, '../../../../schemas/ovn-nb.ovsschema')], { encoding: 'utf8' })).toBe('OVN_Northbound\n');
  });
});
