/**
 * Done means (issue 11): Shipgate packed with `npm pack`, installed into a new git repository
 * outside the checkout that holds a small service of its own, and used from there the way a new
 * user would — `shipgate init`, `config check`, `migrate create`, then a whole local release to
 * production on embedded defaults. Everything the release used must be that repository's (its
 * migrations, smoke suite, load profile) and everything it wrote must land there (.shipgate/local),
 * never in the installed package or the Shipgate checkout. The installed CLI runs the compiled
 * dist/ without tsx; the repository's TypeScript migration still loads.
 *
 * Real everything: npm, the tarball, the embedded FerretDB (SHIPGATE_FERRETDB_BIN points at the
 * checkout's build, so no Go build), the service as child processes, the local router.
 * Keep the temp folder for a look with SHIPGATE_E2E_KEEP=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServer } from 'node:net';
import { MongoClient } from 'mongodb';
import { parseDocument } from 'yaml';
import { shipgateHome } from '../repo.ts';
import { findFerretdb } from '../mongo/embedded.ts';

const KEEP = process.env.SHIPGATE_E2E_KEEP === '1';
let root = '';
let repo = '';
let tarball = '';
let env: Record<string, string> = {};

interface Run { code: number | null; out: string }

/** Runs a command in the user's repository; stdout and stderr together, as a person sees them. */
function sh(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number; extraEnv?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repo, env: { ...env, ...(opts.extraEnv ?? {}) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, out });
    });
  });
}

const shipgate = (args: string[], timeoutMs?: number) => sh('npx', ['--no-install', 'shipgate', ...args], timeoutMs ? { timeoutMs } : {});

/** Every file under `dir` (relative), skipping node_modules. */
function listFiles(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(p).isDirectory() ? listFiles(p, base) : [relative(base, p)];
  });
}

const SERVER = `import { createServer } from 'node:http';
import { MongoClient } from 'mongodb';

// The widgets service: its own /health (db up when the database answers a ping) and one route.
const client = new MongoClient(process.env.MONGODB_URI, { serverSelectionTimeoutMS: 2000 });
const db = client.db();
const version = process.env.APP_VERSION ?? 'dev';
const send = (res, status, body) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
createServer(async (req, res) => {
  if (req.url === '/health') {
    const up = await db.command({ ping: 1 }).then(() => true, () => false);
    return send(res, up ? 200 : 503, { status: up ? 'ok' : 'degraded', db: up ? 'up' : 'down', version, service: 'widgets' });
  }
  if (req.url === '/widgets') return send(res, 200, { widgets: await db.collection('widgets').find({}, { projection: { _id: 0 } }).toArray() });
  send(res, 404, { error: 'not found' });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

// The user's own TypeScript migration, typed with the package's export: needs tsx, which the
// compiled CLI registers only when it meets a .ts file.
const CREATE_WIDGETS = `import type { MigrationContext } from 'shipgate/migrate';
import type { Db } from 'mongodb';

export async function up(db: Db, _ctx: MigrationContext): Promise<void> {
  await db.collection('widgets').insertOne({ name: 'sprocket', from: 'widgets-0002' });
}
`;

const ADD_INDEX = "await db.collection('widgets').createIndex({ name: 1 }, { name: 'widgets_by_name' });";

// The user's smoke suite, in JavaScript, with the package's smoke client (beside init's skeleton).
const SMOKE = `import { test, expect } from 'vitest';
import { api } from 'shipgate/smoke';

test('widgets answers its own health check', async () => {
  const r = await api('/health');
  expect(r.status).toBe(200);
  expect(r.body.service).toBe('widgets');
});

test('widgets lists the sprocket its migration made', async () => {
  const r = await api('/widgets');
  expect(r.body.widgets.map((w) => w.name)).toContain('sprocket');
});
`;

const PROFILE = {
  name: 'widgets-read',
  description: 'GET /widgets, the widgets service\'s own load profile',
  requests: [{ method: 'GET', path: '/widgets' }],
  connections: 2,
  duration: '2s',
  requestTimeout: '5s',
  // A threshold no other profile has: the load result shows it when this profile ran.
  thresholds: { http_req_failed: ['rate<0.01'], http_req_duration: ['p(90)<4321'] },
};

// `shipgate init` for this repository (everything else: its defaults).
const INIT_FLAGS = [
  '--start', 'node server.js', '--migrations', 'migrations', '--changelog-collection', 'widget_migrations',
  '--smoke', 'checks/smoke', '--load-dir', 'checks/load', '--people', 'dev,ana', '--approvers', 'ana', '--language', 'ts',
];

/** The service before Shipgate: a package.json, its server, a .gitignore. */
async function writeUserRepo(dir: string): Promise<void> {
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'widgets', version: '1.0.0', private: true, type: 'module', scripts: { start: 'node server.js' }, dependencies: { mongodb: '^7.9.0' } }, null, 2));
  await writeFile(join(dir, 'server.js'), SERVER);
  await writeFile(join(dir, '.gitignore'), 'node_modules/\n.shipgate/\n');
}

async function git(...args: string[]): Promise<string> {
  const r = await sh('git', ['-c', 'user.email=dev@example.com', '-c', 'user.name=dev', ...args]);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.out}`);
  return r.out;
}

/** The first of `n` consecutive free loopback ports. */
async function freePortRun(n: number): Promise<number> {
  const free = (port: number) => new Promise<boolean>((done) => {
    const srv = createServer();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let ok = true;
    for (let i = 0; i < n && ok; i++) ok = await free(base + i);
    if (ok) return base;
  }
  throw new Error(`no ${n} consecutive free ports`);
}

/** The checkout's working tree (tracked and new files, not ignored ones) copied to `dir`, node_modules linked. */
async function copyOfCheckout(dir: string): Promise<string> {
  const listed = await sh('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: shipgateHome });
  if (listed.code !== 0) throw new Error(`git ls-files: ${listed.out}`);
  for (const file of listed.out.split('\0').filter(Boolean)) {
    const from = join(shipgateHome, file);
    if (!existsSync(from) || statSync(from).isDirectory()) continue; // deleted in the working tree, or a submodule
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(from, join(dir, file));
  }
  await symlink(join(shipgateHome, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** A --import module that records every file the process loads (ESM), one URL a line. */
async function loadRecorder(logFile: string): Promise<string> {
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) appendFileSync(${JSON.stringify(logFile)}, url + '\\n');
  return next(url, context);
}`;
  const file = join(root, 'record-loads.mjs');
  await writeFile(file, `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
  return pathToFileURL(file).href;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sg-package-e2e-'));
  repo = join(root, 'widgets');
  await mkdir(repo);
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(VITEST|TINYPOOL|NODE_OPTIONS$|SHIPGATE_|MONGODB_URI$|.*_MONGODB_URI$|npm_)/.test(e[0])),
  );
  const ferretdb = findFerretdb();
  if (!ferretdb) throw new Error('the checkout has no FerretDB build (npm run setup)');
  env = { ...inherited, CI: 'true', SHIPGATE_FERRETDB_BIN: ferretdb, NO_COLOR: '1' };
}, 60_000);

afterAll(async () => {
  if (repo && existsSync(join(repo, 'node_modules/.bin/shipgate'))) await shipgate(['down'], 60_000);
  if (!KEEP && root) await rm(root, { recursive: true, force: true });
  else if (root) console.log(`[package e2e] kept ${root}`);
}, 120_000);

describe('Shipgate installed from its tarball into another repository', () => {
  it('packs, installs, inits, checks, creates a migration and releases that repository to production', { timeout: 8 * 60_000 }, async () => {
    // The checkout's own local state (npm start's), to see the release never touched it.
    const checkoutState = () => ['database.json', 'state.json'].map((f) => {
      const p = join(shipgateHome, '.shipgate/local', f);
      return existsSync(p) ? `${f}: ${statSync(p).mtimeMs}` : `${f}: none`;
    });
    const checkoutStateBefore = checkoutState();

    // 1. npm pack of the checkout's working tree. Packed from a copy (node_modules linked): prepack
    // builds dist/ there, so CLI runs of other tests never meet a half-built or vanishing dist/.
    const source = await copyOfCheckout(join(root, 'shipgate-src'));
    const pack = await sh('npm', ['pack', '--json', '--pack-destination', root], { cwd: source, timeoutMs: 180_000 });
    expect(pack.code, pack.out).toBe(0);
    const packed = JSON.parse(pack.out.slice(pack.out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
    tarball = join(root, packed[0]!.filename);
    const paths = packed[0]!.files.map((f) => f.path);
    expect(paths).toContain('dist/pipeline/cli/main.js');
    expect(paths).toContain('dist/pipeline/migrate/types.d.ts');
    expect(paths).toContain('dist/smoke/smoke-client.js');
    expect(paths).toContain('tools/setup.sh');
    // Only what a user needs: no sources, tests, sample app or docs of the checkout.
    expect(paths.filter((p) => /\.test\.[jt]s$|^pipeline\/.*\.ts$|^app\/|^bot\/|^\.github\//.test(p))).toEqual([]);
    expect(existsSync(join(source, 'dist')), 'postpack removes dist/ again').toBe(false);

    // 2. The user's repository, outside the checkout, with its own service.
    await writeUserRepo(repo);
    await git('init', '-q');
    const install = await sh('npm', ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { timeoutMs: 300_000 });
    expect(install.code, install.out).toBe(0);
    const warnings = install.out.split('\n').filter((l) => /EBADENGINE|warn/.test(l));
    if (warnings.length) console.log(`[package e2e] npm install warnings:\n${warnings.join('\n')}`);
    const installed = join(repo, 'node_modules/shipgate');
    const packageFilesBefore = listFiles(installed);

    // 3. The installed CLI runs compiled code: no tsx, and --help loads no command module.
    const loads = join(root, 'loads.txt');
    const recorder = await loadRecorder(loads);
    const help = await sh(process.execPath, ['--import', recorder, join(installed, 'bin/shipgate.js'), '--help']);
    expect(help.code, help.out).toBe(0);
    expect(help.out).toMatch(/release \[options\]/);
    const loaded = (await readFile(loads, 'utf8')).split('\n').filter(Boolean);
    expect(loaded.some((u) => u.endsWith('/node_modules/shipgate/dist/pipeline/cli/main.js'))).toBe(true);
    expect(loaded.filter((u) => u.includes('/node_modules/tsx/'))).toEqual([]);
    expect(loaded.filter((u) => /\/dist\/pipeline\/(release|cli\/commands\/(?!index))/.test(u))).toEqual([]);

    // 4. init writes the config, workflows, an example migration, a smoke skeleton, a k6 script and
    // a profile; the user then adds their own migration and smoke test and tunes the profile (the
    // built-in engine: a k6 on PATH would otherwise run the script instead).
    const init = await shipgate(['init', '--yes', ...INIT_FLAGS]);
    expect(init.code, init.out).toBe(0);
    for (const f of ['.github/shipgate.yml', '.github/workflows/release.yml', '.github/workflows/promote.yml', 'migrations/0001-example.ts', 'checks/load/widgets.profile.json']) {
      expect(existsSync(join(repo, f)), `init wrote ${f}\n${init.out}`).toBe(true);
    }
    // Ports of its own (the defaults 4000/4100/4200 may be taken on a shared machine).
    const ports = await freePortRun(4);
    const doc = parseDocument(await readFile(join(repo, '.github/shipgate.yml'), 'utf8'));
    doc.setIn(['environments', 'staging', 'deploy', 'basePort'], ports);
    doc.setIn(['environments', 'production', 'deploy', 'basePort'], ports + 1);
    doc.setIn(['environments', 'production', 'dns', 'listenPort'], ports + 3);
    expect(doc.getIn(['gates', 'load', 'engine'])).toBe('auto');
    doc.setIn(['gates', 'load', 'engine'], 'builtin');
    await writeFile(join(repo, '.github/shipgate.yml'), doc.toString());
    await writeFile(join(repo, 'migrations/0002-create-widgets.ts'), CREATE_WIDGETS);
    await writeFile(join(repo, 'checks/smoke/widgets-data.test.js'), SMOKE);
    await writeFile(join(repo, 'checks/load/widgets.profile.json'), JSON.stringify(PROFILE, null, 2));

    // config check finds the repository's own paths.
    const check = await shipgate(['config', 'check']);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toContain('checks/smoke');
    expect(check.out).not.toMatch(/not found/);

    // 5. A new migration in the configured folder, from the built-in template (TypeScript, like
    // the folder's newest), given a body.
    const create = await shipgate(['migrate', 'create', 'add-index']);
    expect(create.code, create.out).toBe(0);
    const migrations = (await readdir(join(repo, 'migrations'))).sort();
    expect(migrations).toEqual(['0001-example.ts', '0002-create-widgets.ts', '0003-add-index.ts']);
    const created = await readFile(join(repo, 'migrations/0003-add-index.ts'), 'utf8');
    expect(created).toContain("from 'shipgate/migrate'");
    // The template's first statement (up() comes first; whatever its log line says) gets a real one.
    const todo = /^(\s*)ctx\.log\([^\n]*\);$/m;
    expect(created, 'a ctx.log(…) line in the template\'s up() to replace').toMatch(todo);
    await writeFile(join(repo, 'migrations/0003-add-index.ts'), created.replace(todo, `$1${ADD_INDEX}`));
    await git('add', '-A');
    await git('commit', '-qm', 'widgets with Shipgate');

    // 6. A whole local release to production, approved non-interactively.
    const release = await shipgate(['release', '--to', 'production', '--as', 'dev', '--approve-as', 'ana'], 5 * 60_000);
    expect(release.code, release.out).toBe(0);
    expect(release.out).toMatch(/succeeded/);
    expect(release.out).toContain('0002-create-widgets');

    // State is in the user's repository; the installed package and the checkout got nothing.
    const stateDir = join(repo, '.shipgate/local');
    expect(existsSync(join(stateDir, 'database.json'))).toBe(true);
    expect(listFiles(installed)).toEqual(packageFilesBefore);
    expect(existsSync(join(installed, '.shipgate'))).toBe(false);
    expect(checkoutState()).toEqual(checkoutStateBefore);

    // The release record: the smoke tests and the load profile that ran are the repository's.
    const id = /release (rel-[\w-]+)/.exec(release.out)?.[1];
    expect(id, release.out).toBeDefined();
    const show = await shipgate(['release', 'show', id as string, '--json']);
    expect(show.code, show.out).toBe(0);
    const record = JSON.parse(show.out.slice(show.out.indexOf('{'))) as { status: string; stages: { key: string; status: string; result?: { details?: string; summary?: string } }[] };
    expect(record.status).toBe('succeeded');
    const stage = (key: string) => {
      const found = record.stages.find((s) => s.key === key);
      expect(found, `stage ${key} in ${record.stages.map((s) => s.key).join(', ')}`).toBeDefined();
      expect(found!.status).toBe('passed');
      return found;
    };
    const smoke = JSON.stringify(stage('production/smoke'));
    expect(smoke).toContain('widgets answers its health check'); // init's skeleton (TypeScript)
    expect(smoke).toContain('widgets answers its own health check');
    expect(smoke).toContain('widgets lists the sprocket its migration made');
    expect(smoke).not.toMatch(/notes/i);
    const load = JSON.stringify(stage('staging/load'));
    expect(load).toContain('p(90)<4321');
    expect(load).toMatch(/2\/2 thresholds met/);

    // The migrations applied to production are the repository's, recorded in its changelog.
    const db = JSON.parse(await readFile(join(stateDir, 'database.json'), 'utf8')) as { port: number };
    const client = new MongoClient(`mongodb://127.0.0.1:${db.port}/`, { serverSelectionTimeoutMS: 5000 });
    try {
      const prod = client.db('widgetsproduction');
      const applied = (await prod.collection('widget_migrations').find({}).toArray()).map((d) => String(d._id ?? d.id)).sort();
      expect(applied).toEqual(['0001-example', '0002-create-widgets', '0003-add-index']);
      expect((await prod.collection('widgets').indexes()).map((i) => i.name)).toContain('widgets_by_name');
      expect(await prod.collection('widgets').countDocuments({ from: 'widgets-0002' })).toBe(1);
    } finally {
      await client.close();
    }
  });
});
