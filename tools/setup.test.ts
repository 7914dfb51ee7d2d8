/**
 * tools/setup.sh builds FerretDB from the tracked tools/go.mod and tools/go.sum without ever
 * rewriting them (a fresh clone must stay clean), and builds into --out (what `shipgate setup`
 * does for an installed package). Runs the real script with the real Go toolchain on a copy of
 * tools/ in a new git repository; fast once Go's build cache is warm (npm test built it first).
 */
import { describe, expect, it } from 'vitest';
import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shipgateHome } from '../pipeline/repo.ts';

const hasGo = (() => {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });

/** A new git repository holding a committed copy of Shipgate's tools/ (what a clone has). */
async function cloneOfTools(edit?: (goMod: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sg-setup-'));
  await mkdir(join(dir, 'tools'), { recursive: true });
  for (const f of ['setup.sh', 'go.mod', 'go.sum', 'ferretdb-embedded']) await cp(join(shipgateHome, 'tools', f), join(dir, 'tools', f), { recursive: true });
  if (edit) await writeFile(join(dir, 'tools/go.mod'), edit(await readFile(join(dir, 'tools/go.mod'), 'utf8')));
  await writeFile(join(dir, '.gitignore'), 'tools/bin/\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, 'commit', '-qm', 'tools');
  return dir;
}

function setup(cwd: string, args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile('bash', ['tools/setup.sh', ...args], { cwd, timeout: 240_000, env: { ...process.env, GOFLAGS: '-mod=mod' } }, (err, _stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

describe.skipIf(!hasGo)('tools/setup.sh', { timeout: 300_000 }, () => {
  it('builds into --out and leaves a fresh clone clean', async () => {
    const repo = await cloneOfTools();
    const out = join(repo, '..', `${repo.split('/').pop()}-out`);
    try {
      const r = await setup(repo, ['--out', out]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(out, 'ferretdb-embedded'))).toBe(true);
      expect(existsSync(join(repo, 'tools/bin'))).toBe(false);
      expect(git(repo, 'status', '--porcelain')).toBe('');
    } finally {
      await rm(repo, { recursive: true, force: true });
      await rm(out, { recursive: true, force: true });
    }
  });

  it('never rewrites the tracked tools/go.mod, even when Go would want to: it fails and says so', async () => {
    // A go.mod missing one of its requirements: `go install -mod=mod` (or a user's GOFLAGS) would
    // quietly add it back, leaving the clone dirty.
    const repo = await cloneOfTools((mod) => mod.replace(/^\s*github\.com\/FerretDB\/wire .*\n/m, ''));
    try {
      const r = await setup(repo, []);
      expect(git(repo, 'status', '--porcelain')).toBe('');
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/go\.mod/);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
