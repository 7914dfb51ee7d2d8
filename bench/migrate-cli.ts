/**
 * `shipgate migrate apply` against `migrate-mongo up`, end to end as a user runs them (a new
 * process each, from the user's repository), on the same embedded FerretDB in the same run:
 * 200 trivial migrations, and 1 migration. The same migration files serve both tools (migrate-mongo's
 * format: 14-digit timestamp names, `module.exports = { up(db, client), down }`), each run on a
 * fresh database; the order alternates every round; medians. Goal (issue 11): 200 ≤ 1.0×, 1 ≤ 1.3×.
 * It measures whatever bin/shipgate.js runs: the compiled dist/ when built (npm run build), else
 * the TypeScript sources through tsx — the figure printed says which.
 *
 *   npx tsx bench/migrate-cli.ts [--rounds 5] [--many 200] [--bin <path to a shipgate.js>] [--with-config]
 *
 * --with-config: the repository has a .github/shipgate.yml (as a real one does), so Shipgate also
 * loads and validates it (the config parser's start-up cost is in the figure).
 *
 * (--bin: e.g. a packed or built copy, `node tools/build-dist.mjs --out <copy>/dist` with
 * bin/shipgate.js and package.json beside it, without building dist/ in a shared checkout.)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MongoClient } from 'mongodb';
import { startEmbeddedMongo } from '../pipeline/mongo/embedded.ts';
import { mongoUriWithDb } from '../pipeline/mongo/connect.ts';
import { shipgateHome } from '../pipeline/repo.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg('rounds', 5);
const MANY = arg('many', 200);
const WITH_CONFIG = process.argv.includes('--with-config');
const binArg = process.argv.indexOf('--bin');
const SHIPGATE_BIN = binArg > 0 ? resolve(process.argv[binArg + 1] as string) : join(shipgateHome, 'bin/shipgate.js');
const MIGRATE_MONGO_BIN = join(shipgateHome, 'node_modules/migrate-mongo/bin/migrate-mongo.js');

async function repoWith(n: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), `shipgate-bench-mig${n}-`));
  await mkdir(join(root, '.git'));
  await mkdir(join(root, 'migrations'));
  await writeFile(join(root, 'package.json'), '{ "name": "bench", "private": true }\n');
  if (WITH_CONFIG) {
    await mkdir(join(root, '.github'));
    await writeFile(join(root, '.github/shipgate.yml'), 'app: { name: bench, start: node server.js }\nmigrations: { dir: migrations }\nenvironments:\n  staging:\n    deploy: { provider: process }\n    database: { uriEnv: MONGODB_URI }\n  production:\n    protected: true\n    deploy: { provider: process }\n    database: { uriEnv: PRODUCTION_MONGODB_URI }\npeople:\n  - { name: ana, slack: U012ABC }\napproval: { approvers: [ana] }\n');
  }
  for (let i = 1; i <= n; i++) {
    const ts = `2024010100${String(i).padStart(4, '0')}`;
    await writeFile(join(root, 'migrations', `${ts}-step${i}.js`), `module.exports = {\n  async up(db, client) {\n    await db.collection('bench').insertOne({ step: ${i} });\n  },\n  async down(db, client) {\n    await db.collection('bench').deleteOne({ step: ${i} });\n  },\n};\n`);
  }
  return root;
}

function run(cmd: string[], cwd: string, env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, cmd, { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve((performance.now() - start) / 1000) : reject(new Error(`${cmd.join(' ')} exited ${code}:\n${out}`))));
  });
}

async function migrateMongoConfig(root: string, uri: string, db: string): Promise<string> {
  const file = join(root, `mm-${db}.config.js`);
  await writeFile(file, `module.exports = { mongodb: { url: ${JSON.stringify(uri)}, databaseName: ${JSON.stringify(db)}, options: {} }, migrationsDir: 'migrations', changelogCollectionName: 'changelog', lockCollectionName: 'changelog_lock', lockTtl: 0, migrationFileExtension: '.js', useFileHash: false, moduleSystem: 'commonjs' };\n`);
  return file;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  const server = await startEmbeddedMongo();
  const client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const mode = existsSync(join(dirname(SHIPGATE_BIN), '../dist/pipeline/cli/main.js')) ? 'compiled dist/' : 'TypeScript sources through tsx (no dist/ beside it: see --bin)';
  console.log(`FerretDB ${server.uri}; ${SHIPGATE_BIN} runs ${mode}; ${ROUNDS} rounds, alternating${WITH_CONFIG ? '; the repository has a .github/shipgate.yml' : ''}`);
  let seq = 0;
  try {
    for (const n of [MANY, 1]) {
      const root = await repoWith(n);
      const times = { shipgate: [] as number[], 'migrate-mongo': [] as number[] };
      for (let round = 1; round <= ROUNDS; round++) {
        const order: Array<keyof typeof times> = round % 2 ? ['shipgate', 'migrate-mongo'] : ['migrate-mongo', 'shipgate'];
        for (const tool of order) {
          const db = `benchmig${n}x${++seq}`;
          const uri = mongoUriWithDb(server.uri, db);
          const seconds = tool === 'shipgate'
            ? await run([SHIPGATE_BIN, 'migrate', 'apply', '--dir', 'migrations', '--as', 'bench'], root, { MONGODB_URI: uri })
            : await run([MIGRATE_MONGO_BIN, 'up', '-f', await migrateMongoConfig(root, server.uri, db)], root, {});
          const applied = await client.db(db).collection('bench').countDocuments();
          if (applied !== n) throw new Error(`${tool} applied ${applied} of ${n} migrations`);
          times[tool].push(seconds);
          console.log(`  ${String(n).padStart(3)} migrations  round ${round}  ${tool.padEnd(13)} ${seconds.toFixed(2)} s`);
          await client.db(db).dropDatabase();
        }
      }
      const s = median(times.shipgate);
      const m = median(times['migrate-mongo']);
      const goal = n === 1 ? 1.3 : 1.0;
      console.log(`${n} migration${n === 1 ? '' : 's'}: shipgate ${s.toFixed(2)} s, migrate-mongo ${m.toFixed(2)} s → ${(s / m).toFixed(2)}× (goal ≤ ${goal.toFixed(1)}×) ${s / m <= goal ? 'PASS' : 'ABOVE GOAL'}\n`);
    }
  } finally {
    await client.close();
    await server.stop();
  }
}

await main();
