/**
 * bench/dashboard: server time of the dashboard's releases list and release page at 10,000
 * releases, against a bare static page served by the same process in the same run.
 * Server time = from the request reaching the handler to the response's last byte handed to the
 * socket (res 'finish'), measured inside the server, so the client's own work does not count.
 * The store is FerretDB (or MONGODB_URI), seeded with 10,000 release records shaped like the
 * engine's (pipeline/dashboard/seed.ts). Requests are sequential over a kept-alive connection,
 * interleaved round-robin between the three routes. Release pages are reported twice: the first
 * view of each release (its record read from the store) and later views (the record in memory).
 * Target: p99 < 50 ms for the list and for warm release pages; printed as ratios to the static page.
 * Run: npx tsx bench/dashboard.ts [--releases 10000] [--requests 600] [--ids 100]
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { Agent, request } from 'undici';
import { stringify } from 'yaml';
import { startEmbeddedMongo, type EmbeddedMongo } from '../pipeline/mongo/embedded.ts';
import { parseConfigText } from '../pipeline/config/load.ts';
import { createDashboard } from '../pipeline/dashboard/server.ts';
import { seededRelease, seedReleases } from '../pipeline/dashboard/seed.ts';

const { values } = parseArgs({ options: { releases: { type: 'string', default: '10000' }, requests: { type: 'string', default: '600' }, ids: { type: 'string', default: '100' } } });
const RELEASES = Number(values.releases);
const REQUESTS = Number(values.requests);
const IDS = Number(values.ids);

function pct(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] as number) : NaN;
}
const ms = (n: number) => `${n.toFixed(2)} ms`;

let embedded: EmbeddedMongo | undefined;
const uri = process.env.MONGODB_URI ?? (embedded = await startEmbeddedMongo()).uri;
const client = new MongoClient(uri);
await client.connect();
const db = client.db(`benchdash${Date.now().toString(36)}`);
const now = new Date();
let t0 = performance.now();
await seedReleases(db, RELEASES, { now, days: 365 });
console.log(`seeded ${RELEASES} releases in ${((performance.now() - t0) / 1000).toFixed(1)} s (${process.env.MONGODB_URI ? 'MONGODB_URI' : 'FerretDB'})`);

const config = parseConfigText(stringify({
  app: { name: 'notes', start: 'node server.js' },
  environments: {
    staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } },
    production: { protected: true, deploy: { provider: 'process', slots: ['blue', 'green'] }, database: { uriEnv: 'PRODUCTION_MONGODB_URI' }, dns: { provider: 'local' } },
  },
  approval: { approvers: ['ana'] },
  people: [{ name: 'ana' }],
}), 'shipgate.yml');
const dashboard = createDashboard({ db, config });

// A bare static page of about the list page's size, served by the same process: the baseline.
const STATIC = `<!doctype html><html lang="en"><head><title>static</title></head><body>${'<p>static row</p>'.repeat(1500)}</body></html>`;
const timings: Record<string, number[]> = { static: [], list: [], 'release (first view)': [], 'release (later views)': [] };
let current = '';
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  const start = performance.now();
  const bucket = current;
  res.once('finish', () => timings[bucket]?.push(performance.now() - start));
  const path = (req.url ?? '/').split('?')[0] as string;
  if (path === '/static') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(STATIC);
    return;
  }
  void dashboard.handle(req, res, path);
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const agent = new Agent({ connections: 1, pipelining: 0 });
async function hit(path: string): Promise<number> {
  const res = await request(`${base}${path}`, { dispatcher: agent });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${body.slice(0, 200)}`);
  return body.length;
}

t0 = performance.now();
current = 'warmup';
await hit('/ui/releases');
console.log(`first list (loads the index of ${dashboard.index.size} summaries): ${ms(performance.now() - t0)}`);

const lists = ['/ui/releases', '/ui/releases?page=37', '/ui/releases?env=production&status=failed&page=2', '/ui/releases?requester=chen&since=90d', '/ui/releases?status=succeeded&until=2026-06-01'];
const ids = Array.from({ length: IDS }, (_, i) => seededRelease(Math.floor((i * RELEASES) / IDS), { now, days: 365 })._id);
const viewed = new Set<string>();
let listBytes = 0;
let releaseBytes = 0;
for (let i = 0; i < REQUESTS; i++) {
  current = 'static';
  await hit('/static');
  current = 'list';
  listBytes = await hit(lists[i % lists.length] as string);
  const id = ids[i % ids.length] as string;
  current = viewed.has(id) ? 'release (later views)' : 'release (first view)';
  viewed.add(id);
  releaseBytes = await hit(`/ui/releases/${id}`);
}

// The metrics page once (computed from the summaries in memory, then kept a minute): not a target, a figure.
current = 'metrics';
timings.metrics = [];
await hit('/ui/metrics');

const staticP99 = pct(timings.static as number[], 99);
console.log(`\n${REQUESTS} requests per route, sequential, interleaved; server time (handler → last byte written):`);
console.log(`page sizes: list ${(listBytes / 1024).toFixed(0)} kB, release ${(releaseBytes / 1024).toFixed(0)} kB, static ${(STATIC.length / 1024).toFixed(0)} kB`);
for (const [name, xs] of Object.entries(timings)) {
  if (name === 'warmup' || xs.length === 0) continue;
  const p99 = pct(xs, 99);
  const ratio = name === 'static' ? '' : `  p99 ${(p99 / staticP99).toFixed(1)}× static`;
  const target = ['static', 'release (first view)', 'metrics'].includes(name) ? '' : `  target p99 < 50 ms: ${p99 < 50 ? 'met' : 'NOT met'}`;
  console.log(`${name.padEnd(24)} n=${String(xs.length).padStart(4)}  p50 ${ms(pct(xs, 50)).padStart(10)}  p99 ${ms(p99).padStart(10)}${ratio}${target}`);
}
console.log('\nfirst views read the record from the store: on FerretDB that scans every release document (no index on _id for its SQLite backend); on MongoDB it is an _id lookup.');

await agent.close();
await new Promise<void>((r) => server.close(() => r()));
dashboard.close();
await db.dropDatabase().catch(() => undefined);
await client.close();
await embedded?.stop();
