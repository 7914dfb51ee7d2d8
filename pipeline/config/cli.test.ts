import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../mongo/embedded.ts';
import { tempDir, writeConfig } from './test-helpers.ts';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI in a child process. */
function shipgate(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const base = { ...process.env };
  for (const k of ['STAGING_MONGODB_URI', 'PRODUCTION_MONGODB_URI', 'RAILWAY_TOKEN', 'CF_API_TOKEN', 'CF_ZONE_ID']) delete base[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [join(repoRoot, 'bin/shipgate.js'), ...args], { cwd: repoRoot, env: { ...base, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('shipgate config check', () => {
  it('exits 0 on this repo config and prints the release path, env vars by name only, gates and approvers', async () => {
    const secret = 'mongodb://app:s3cretPassw0rd@127.0.0.1:27017/notes';
    const r = await shipgate(['config', 'check'], { STAGING_MONGODB_URI: secret });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('✓ .github/shipgate.yml is valid');
    expect(r.stdout).toContain('staging → production (protected)');
    expect(r.stdout).toContain('STAGING_MONGODB_URI (set)');
    expect(r.stdout).toContain('PRODUCTION_MONGODB_URI (not set: needed at release time)');
    expect(r.stdout).toContain('slots blue / green');
    expect(r.stdout).toMatch(/health +GET \/health/);
    expect(r.stdout).toContain('http_req_duration p(95)<500, p(99)<1500');
    expect(r.stdout).toContain('ana, raj: 1 approval needed, expires after 4h');
    expect(r.stdout).toContain('#deploys, approvals in #deploy-approvals');
    expect(r.stdout).not.toContain('s3cretPassw0rd');
    expect(r.stdout).not.toContain('(not found)');
  });

  it('checks another file with --file (the Railway + Cloudflare example)', async () => {
    const r = await shipgate(['config', 'check', '--file', 'docs/examples/railway-cloudflare.yml'], { CF_API_TOKEN: 'cf-token-123456' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('railway service api in production (project 3f2b9c1e-8a4d-4f6b-9e2a-1c5d7b8a9f01), slots blue (api-blue) / green (api-green)');
    expect(r.stdout).toContain('cloudflare record example.com, zone CF_ZONE_ID (not set: needed at release time), token CF_API_TOKEN (set)');
  });

  it('marks paths from the config that do not exist in its repository (still exit 0: they may be generated later)', async () => {
    // The file's folder is its repository (no .git, no .github): its paths are looked up there.
    const dir = tempDir();
    mkdirSync(join(dir, 'smoke/suites'), { recursive: true });
    const file = writeConfig(
      dir,
      ['app: { name: notes, start: x }', 'environments:', '  staging: { deploy: { provider: process }, database: { uriEnv: STAGING_MONGODB_URI } }', 'gates:', '  smoke: { suites: [smoke/suites, smoke/nowhere] }', '  load: { profile: load/missing.profile.json }'].join('\n'),
    );
    const r = await shipgate(['config', 'check', '--file', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('suites smoke/suites, smoke/nowhere (not found)');
    expect(r.stdout).toContain('profile load/missing.profile.json (not found)');
    expect(r.stdout).toMatch(/load +engine auto/);
    expect(r.stdout).toMatch(/health +off/);
  });

  it('exits 3 on an invalid config and prints every problem with file, line and path', async () => {
    const file = writeConfig(
      tempDir(),
      ['app: { name: notes, start: x }', 'environments:', '  staging:', '    deploy: { provider: heroku }', '    database: { uriEnv: "postgres://u:pa55word@db/x" }', 'gates:', '  smoke: { retries: lots }'].join('\n'),
    );
    const r = await shipgate(['config', 'check', '-f', file]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`SHIPGATE_CONFIG_INVALID: ${file} has 3 problems:`);
    expect(r.stderr).toContain(`${file}:4  environments.staging.deploy.provider: expected one of process|railway|command|webhook, got "heroku"`);
    expect(r.stderr).toContain(`${file}:5  environments.staging.database.uriEnv: holds what looks like a secret value`);
    expect(r.stderr).toContain(`${file}:7  gates.smoke.retries: expected a number, got "lots"`);
    expect(r.stderr).not.toContain('pa55word');
  });

  it('exits 3 when the file does not exist, naming it and pointing at the docs', async () => {
    const r = await shipgate(['config', 'check', '--file', 'no/such/shipgate.yml']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('SHIPGATE_CONFIG_NOT_FOUND: config file no/such/shipgate.yml does not exist');
    expect(r.stderr).toContain('docs/configuration.md');
  });
});
