/**
 * Child processes in the storage tests run our TypeScript without a build step: the few files
 * they need are transpiled (types dropped, CommonJS out) into a temp dir with the same relative
 * layout, and `level` resolves through NODE_PATH. This keeps the test independent of the state of
 * the rest of the tree.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

const repoRoot = resolve(import.meta.dirname, '../..');

/** Transpiles repo-relative `files` into `outDir`; returns the env a child needs to run them. */
export function transpileForChild(files: readonly string[], outDir: string): NodeJS.ProcessEnv {
  for (const file of files) {
    const source = readFileSync(join(repoRoot, file), 'utf8');
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: false },
      fileName: file,
    });
    const target = join(outDir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  writeFileSync(join(outDir, 'package.json'), '{"type":"commonjs"}\n');
  return { ...process.env, NODE_PATH: join(repoRoot, 'node_modules') };
}
