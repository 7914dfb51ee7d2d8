// Compiles the CLI and the engine to plain JavaScript in dist/ (git-ignored), with the
// declarations of the public entry points (shipgate/migrate, shipgate/smoke). `npm pack` runs it
// (prepack) and removes dist/ again afterwards (postpack), so a checkout keeps running its
// sources through tsx and never a stale build. bin/shipgate.js runs dist/ when it is there.
//
//   node tools/build-dist.mjs [--out <dir>]      (default: dist/)
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
if (outIdx >= 0 && !args[outIdx + 1]) {
  console.error('usage: node tools/build-dist.mjs [--out <dir>]');
  process.exit(2);
}
const out = outIdx >= 0 ? resolve(args[outIdx + 1]) : join(root, 'dist');

const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
rmSync(out, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', out], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.error('build-dist: tsc failed (above)');
  process.exit(r.status ?? 1);
}
for (const entry of ['pipeline/cli/main.js', 'pipeline/migrate/types.d.ts', 'smoke/smoke-client.js', 'smoke/smoke-client.d.ts']) {
  if (!existsSync(join(out, entry))) {
    console.error(`build-dist: ${entry} was not emitted`);
    process.exit(1);
  }
}
console.log(`built ${out}`);
