/**
 * bot/Dockerfile, checked without Docker (no daemon here; the image was never built in this
 * session): every COPY source exists and is sent by bot/Dockerfile.dockerignore, the CMD's files
 * are where the image puts them, every package the bot imports at run time is a runtime dependency
 * (`npm ci --omit=dev` installs it), and the files the Dockerfile copies are enough: a copy of
 * exactly them (node_modules linked in) starts the bot in a separate "user repository" working
 * directory, as the image's CMD does, and answers /healthz.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { stringify } from 'yaml';
import { useTestDatabase } from '../pipeline/testing/mongo.ts';
import { freePort, repoRoot } from '../pipeline/mongo/embedded.ts';
import { startSlackFake } from '../pipeline/testing/fakes/slack.ts';
import { BOT_TOKEN, SIGNING_SECRET } from './slack/testing/harness.ts';

vi.setConfig({ testTimeout: 90_000 });
const t = useTestDatabase('botdocker');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

const dockerfile = () => readFile(join(repoRoot, 'bot/Dockerfile'), 'utf8');

/** The COPY instructions from the build context (not --from=…): their sources and destination. */
async function contextCopies(): Promise<Array<{ sources: string[]; dest: string }>> {
  const lines = (await dockerfile()).replace(/\\\n/g, ' ').split('\n').map((l) => l.trim());
  return lines
    .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
    .map((l) => {
      const parts = l.split(/\s+/).slice(1).filter((p) => !p.startsWith('--'));
      return { sources: parts.slice(0, -1), dest: parts.at(-1)! };
    });
}

/** BuildKit's dockerignore for our file's shape: "*" first, then "!" re-includes, then excludes. */
async function sentToBuild(path: string): Promise<boolean> {
  const rules = (await readFile(join(repoRoot, 'bot/Dockerfile.dockerignore'), 'utf8')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const toRegex = (p: string) => new RegExp(`^${p.replace(/\/$/, '').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(?:.*/)?').replace(/\*/g, '[^/]*')}(?:/.*)?$`);
  let included = true;
  for (const r of rules) {
    if (r.startsWith('!')) {
      if (toRegex(r.slice(1)).test(path)) included = true;
    } else if (toRegex(r).test(path)) included = false;
  }
  return included;
}

describe('bot/Dockerfile', () => {
  it('every COPY source exists in the checkout and is sent by Dockerfile.dockerignore; CMD runs files the image has', async () => {
    const copies = await contextCopies();
    expect(copies.length).toBeGreaterThan(3);
    for (const c of copies) for (const s of c.sources) {
      expect(existsSync(join(repoRoot, s)), `COPY source ${s}`).toBe(true);
      expect(await sentToBuild(s.replace(/\/$/, '')), `${s} is excluded by Dockerfile.dockerignore`).toBe(true);
    }
    expect(await sentToBuild('bot/main.ts')).toBe(true);
    expect(await sentToBuild('bot/main.test.ts')).toBe(false);
    expect(await sentToBuild('pipeline/testing/fakes/slack.ts')).toBe(false);
    const cmd = JSON.parse(/^CMD\s+(\[.*\])$/m.exec(await dockerfile())![1]!) as string[];
    expect(cmd.slice(0, 2)).toEqual(['node', '--import']);
    // /opt/shipgate in the image is the checkout here.
    const inImage = (p: string) => join(repoRoot, relative('/opt/shipgate', p.replace(/^file:\/\//, '')));
    expect(existsSync(inImage(cmd[2]!)), cmd[2]).toBe(true);
    expect(existsSync(inImage(cmd[3]!)), cmd[3]).toBe(true);
    expect(copies.some((c) => c.sources.includes('bot/') && c.dest === 'bot/')).toBe(true);
  });

  it('every package bot/main.ts imports at run time is a runtime dependency (npm ci --omit=dev installs it)', async () => {
    const out = await build({ entryPoints: [join(repoRoot, 'bot/main.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', write: false, metafile: true, logLevel: 'silent' });
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const builtins = new Set(builtinModules);
    const external = new Set(Object.values(out.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path)));
    const packages = [...external].filter((p) => !p.startsWith('node:') && !builtins.has(p)).map((p) => (p.startsWith('@') ? p.split('/').slice(0, 2).join('/') : p.split('/')[0]!));
    expect(packages.length).toBeGreaterThan(3);
    for (const p of new Set(packages)) expect(pkg.dependencies[p], `${p} is imported by the bot but not in dependencies`).toBeDefined();
    // Nothing outside what the Dockerfile copies is bundled in.
    const copied = (await contextCopies()).flatMap((c) => c.sources);
    for (const input of Object.keys(out.metafile.inputs)) {
      const rel = relative(repoRoot, join(process.cwd(), input));
      expect(copied.some((s) => rel === s || rel.startsWith(s)), `${rel} is loaded but not copied into the image`).toBe(true);
    }
  });

  it('the copied files alone start the bot in a user repository as the image\'s CMD does, and /healthz answers', async () => {
    const image = await mkdtemp(join(tmpdir(), 'sg-image-'));
    const opt = join(image, 'opt/shipgate');
    await mkdir(opt, { recursive: true });
    for (const c of await contextCopies()) {
      for (const s of c.sources) {
        const dest = c.dest.endsWith('/') && c.dest !== './' ? join(opt, c.dest, statSync(join(repoRoot, s)).isDirectory() ? '' : s.split('/').at(-1)!) : join(opt, s);
        await cp(join(repoRoot, s), dest, { recursive: true, filter: async (src) => sentToBuild(relative(repoRoot, src)) });
      }
    }
    expect(existsSync(join(opt, 'bot/main.test.ts'))).toBe(false);
    await symlink(join(repoRoot, 'node_modules'), join(opt, 'node_modules'));
    const repo = join(image, 'repo');
    await mkdir(join(repo, '.github'), { recursive: true });
    await writeFile(join(repo, '.github/shipgate.yml'), stringify({
      app: { name: 'theirs', start: 'node server.js' },
      environments: { staging: { deploy: { provider: 'process' }, database: { uriEnv: 'STAGING_MONGODB_URI' } } },
      people: [{ name: 'ana', slack: 'U012ABC' }],
      slack: { channel: '#deploys', mode: 'local' },
    }));
    const slack = await startSlackFake({ token: BOT_TOKEN });
    const cmd = JSON.parse(/^CMD\s+(\[.*\])$/m.exec(await dockerfile())![1]!) as string[];
    const at = (p: string) => p.replace('/opt/shipgate', opt);
    const port = await freePort();
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(SLACK_|SHIPGATE_|GITHUB_)/.test(k))) as Record<string, string>;
    const child = spawn(process.execPath, [cmd[1]!, at(cmd[2]!), at(cmd[3]!)], {
      cwd: repo, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...clean, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(port), SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_API_URL: slack.apiUrl, SHIPGATE_STORE_URI: t.uriFor(t.freshName('img')) },
    });
    children.push(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const end = Date.now() + 60_000;
    while (!output.includes('listening on') && child.exitCode === null && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect(output).toContain('listening on');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await slack.close();
  });
});
