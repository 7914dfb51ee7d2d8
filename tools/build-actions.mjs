// Bundles each custom action (.github/actions/<name>/src/main.ts) with esbuild into
// .github/actions/<name>/dist/index.js (ESM, Node 20+; the actions declare node24).
// dist/ is git-ignored: workflows here build first; publish-actions.yml pushes bundles to the v1 tag.
//
//   node tools/build-actions.mjs [--out <dir>] [name...]
//
// `import.meta.url` in Shipgate's own sources is rewritten to the source file's place relative
// to the bundle, so files found next to a source (the local router, the smoke runner's config)
// resolve in the checkout the bundle sits in. Tools that run as separate programs (tsx for
// TypeScript migrations, vitest for smoke suites) stay external and come from node_modules.
import { build } from 'esbuild';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep, posix } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outIdx = args.indexOf('--out');
const outRoot = outIdx >= 0 ? resolve(args[outIdx + 1]) : join(root, '.github/actions');
const only = args.filter((a, i) => a !== '--out' && i !== outIdx + 1);

const EXTERNAL = [
  'tsx', 'tsx/*', 'vitest', 'vitest/*', '@vitest/*', 'esbuild', 'k6', 'k6/*',
  // mongodb's optional peers, loaded only when configured
  'kerberos', '@mongodb-js/zstd', 'snappy', 'mongodb-client-encryption', 'gcp-metadata', 'socks', 'aws4', '@aws-sdk/credential-providers',
];

function importMetaUrl(outDir) {
  return {
    name: 'import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.(ts|js|mjs)$/ }, async (a) => {
        if (a.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = await readFile(a.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const rel = relative(outDir, a.path).split(sep).join(posix.sep);
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: a.path.endsWith('.ts') ? 'ts' : 'js' };
      });
    },
  };
}

const names = [];
for (const name of (await readdir(join(root, '.github/actions'))).sort()) {
  const main = join(root, '.github/actions', name, 'src/main.ts');
  if ((await stat(main).catch(() => null))?.isFile() && (only.length === 0 || only.includes(name))) names.push(name);
}
for (const name of names) {
  const outfile = join(outRoot, name, 'dist/index.js');
  await build({
    entryPoints: [join(root, '.github/actions', name, 'src/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    external: EXTERNAL,
    logLevel: 'warning',
    legalComments: 'none',
    banner: { js: "import { createRequire as __shipgateCreateRequire } from 'node:module'; const require = __shipgateCreateRequire(import.meta.url);" },
    plugins: [importMetaUrl(dirname(outfile))],
  });
  console.log(`built ${relative(root, outfile)}`);
}
