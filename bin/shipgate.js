#!/usr/bin/env node
// The `shipgate` command. An installed package runs the compiled JavaScript in dist/ (built by
// `npm pack`'s prepack, see tools/build-dist.mjs): no TypeScript loader for Shipgate's own code.
// A checkout (its TypeScript sources are here) always runs the sources through tsx, even when a
// dist/ was built in it: a stale build must never run instead of the code being edited. Either way, user migrations
// written in TypeScript load: pipeline/user-code.ts registers tsx when the first one is imported.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node >= 22.1 caches compiled code between runs (a faster start); Node 20 has no such cache.
module.enableCompileCache?.();

const dist = new URL('../dist/pipeline/cli/main.js', import.meta.url);
let cli;
const sources = new URL('../pipeline/cli/main.ts', import.meta.url);
if (existsSync(dist) && !existsSync(sources)) {
  cli = await import(dist.href);
} else {
  const esm = await import('tsx/esm/api');
  const cjs = await import('tsx/cjs/api');
  esm.register();
  cjs.register();
  cli = await import('../pipeline/cli/main.ts');
}
cli.runCli(process.argv.slice(2));
