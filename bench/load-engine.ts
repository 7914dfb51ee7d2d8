/**
 * bench/load-engine: the built-in load engine's request rate against wrk (Debian package `wrk`),
 * on the same loopback target (a minimal node http server in its own process) with the same
 * connection count, over a few alternating rounds. Prints req/s for both and the ratio.
 * Target: built-in ≥ 0.7 × wrk.   Run: npx tsx bench/load-engine.ts [--connections 10] [--seconds 5] [--rounds 3]
 */
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseArgs } from 'node:util';
import { runBuiltinLoad } from '../pipeline/gates/load/builtin.ts';
import { parseProfile } from '../pipeline/gates/load/profile.ts';

const run = promisify(execFile);
const { values } = parseArgs({ options: { connections: { type: 'string', default: '10' }, seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '3' }, 'wrk-threads': { type: 'string', default: '1' } } });
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const wrkThreads = Math.min(Number(values['wrk-threads']), connections);

const SERVER = `
const http = require('node:http');
const body = JSON.stringify({ status: 'ok', version: '1.0.0', db: 'up' });
const s = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

async function startTarget(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`target exited ${code}`)));
    setTimeout(() => reject(new Error('target did not start in 10s')), 10_000);
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

async function wrk(url: string): Promise<number> {
  const { stdout } = await run('wrk', [`-t${wrkThreads}`, `-c${connections}`, `-d${seconds}s`, `${url}/health`], { timeout: (seconds + 30) * 1000 });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  if (!m) throw new Error(`could not read wrk's output:\n${stdout}`);
  return Number(m[1]);
}

async function builtin(url: string): Promise<number> {
  const m = await runBuiltinLoad({ url, profile: parseProfile({ requests: [{ path: '/health' }], connections, duration: seconds * 1000 }) });
  return m.metrics.http_reqs?.values.rate ?? 0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main(): Promise<void> {
  await run('wrk', ['--version']).catch((err: { code?: string; stdout?: string }) => {
    if (err.code === 'ENOENT') throw new Error('wrk is not installed: apt-get install -y wrk');
  });
  const target = await startTarget();
  console.log(`target ${target.url}/health (node http server, own process) · ${connections} connections · ${seconds}s per run · ${rounds} rounds · wrk -t${wrkThreads}`);
  const ours: number[] = [];
  const theirs: number[] = [];
  try {
    await builtin(target.url); // warm the target's JIT; not counted
    for (let i = 1; i <= rounds; i++) {
      const w = await wrk(target.url);
      const b = await builtin(target.url);
      theirs.push(w);
      ours.push(b);
      console.log(`round ${i}: wrk ${Math.round(w)} req/s · built-in ${Math.round(b)} req/s · ratio ${(b / w).toFixed(2)}`);
    }
  } finally {
    target.stop();
  }
  const ratio = median(ours) / median(theirs);
  console.log(`median: wrk ${Math.round(median(theirs))} req/s · built-in ${Math.round(median(ours))} req/s`);
  console.log(`ratio built-in / wrk = ${ratio.toFixed(2)}x (target ≥ 0.70x) ${ratio >= 0.7 ? '✓' : '✗'}`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
