/**
 * Enforces the dependency direction of STYLE.md §3: pure layers import no node:* module and no
 * ambient time or randomness; src/raft stands alone; only adapters touch LevelDB and sockets;
 * the server gets adapters through constructors (type-only imports of them are allowed).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

interface SourceFile { path: string; layer: string; text: string }
interface ImportRef { spec: string; typeOnly: boolean }

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}

const files: SourceFile[] = walk(src).map((p) => ({
  path: relative(root, p),
  layer: relative(src, p).split('/')[0] ?? '',
  text: readFileSync(p, 'utf8'),
}));

function imports(f: SourceFile): ImportRef[] {
  const out: ImportRef[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/gm;
  for (const m of f.text.matchAll(re)) out.push({ spec: m[3] ?? '', typeOnly: Boolean(m[2]) });
  for (const m of f.text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push({ spec: m[1] ?? '', typeOnly: false });
  return out;
}

/** The src/ layer a relative import lands in, or the bare package name. */
function target(f: SourceFile, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const abs = resolve(dirname(join(root, f.path)), spec);
  const rel = relative(src, abs);
  return rel.startsWith('..') ? `outside:${rel}` : `src/${rel.split('/')[0]}`;
}

const pure = new Set(['base', 'ovsdb', 'raft', 'jsonrpc']);
const allowedLayers: Record<string, readonly string[]> = {
  base: ['base'],
  raft: ['raft'],
  ovsdb: ['base', 'ovsdb'],
  jsonrpc: ['base', 'jsonrpc'],
  storage: ['base', 'ovsdb', 'raft', 'storage'],
  transport: ['base', 'jsonrpc', 'raft', 'transport'],
  server: ['base', 'ovsdb', 'raft', 'jsonrpc', 'server'],
  replication: ['base', 'ovsdb', 'jsonrpc', 'client', 'replication'],
  client: ['base', 'ovsdb', 'jsonrpc', 'transport', 'client'],
};

describe('architecture', () => {
  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  it('keeps each layer to the imports it may make', () => {
    const violations: string[] = [];
    for (const f of files) {
      const allowed = allowedLayers[f.layer];
      if (!allowed) continue; // cli and the package root may import anything
      for (const { spec, typeOnly } of imports(f)) {
        const t = target(f, spec);
        if (t.startsWith('src/')) {
          const layer = t.slice(4);
          const typeOnlyAdapter = f.layer === 'server' && typeOnly && (layer === 'storage' || layer === 'transport');
          if (!allowed.includes(layer) && !typeOnlyAdapter) violations.push(`${f.path} imports ${spec}`);
        } else if (t.startsWith('outside:')) {
          violations.push(`${f.path} imports ${spec} from outside src/`);
        } else if (pure.has(f.layer) && !typeOnly) {
          violations.push(`${f.path} (pure layer) imports package ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it('lets only storage import level and only transport/storage/cli open sockets', () => {
    const violations: string[] = [];
    for (const f of files) {
      for (const { spec, typeOnly } of imports(f)) {
        if (typeOnly) continue;
        if ((spec === 'level' || spec === 'classic-level') && f.layer !== 'storage') violations.push(`${f.path} imports ${spec}`);
        if ((spec === 'node:net' || spec === 'node:tls') && !['transport', 'cli'].includes(f.layer)) violations.push(`${f.path} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps ambient time and randomness out of the pure layers', () => {
    const banned = /\b(Date\.now|Math\.random|setTimeout|setInterval|performance\.now|new Date\(\))/;
    const violations = files
      .filter((f) => pure.has(f.layer) && f.layer !== 'base')
      .flatMap((f) => f.text.split('\n').map((line, i) => ({ f, line, i })))
      .filter(({ line }) => banned.test(line.replace(/\/\/.*$/, '')) && !/^\s*\*/.test(line))
      .map(({ f, i, line }) => `${f.path}:${i + 1}: ${line.trim()}`);
    expect(violations).toEqual([]);
  });
});
