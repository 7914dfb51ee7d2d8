import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandProvider } from './command.ts';
import { presentError } from '../errors.ts';
import type { DeployRequest } from './types.ts';
import { caught } from '../testing/caught.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shipgate-command-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const DB_URI = 'mongodb://app:s3cr3t-pass@127.0.0.1:27017/notes';

function request(progress: string[], over: Partial<DeployRequest> = {}): DeployRequest {
  return {
    env: 'production',
    slot: 'green',
    version: '2.0.1',
    sha: '0123456789abcdef0123456789abcdef01234567',
    appEnv: { MONGODB_URI: DB_URI, API_KEY: 'k-9f8e7d6c5b' },
    progress: (m) => progress.push(m),
    ...over,
  };
}


/** Alive and not a zombie (an orphan may wait a while for a busy init to reap it). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('command provider with real shell commands', () => {
  it('passes SHIPGATE_* and the app env, streams redacted output, takes the URL from urlCommand', async () => {
    writeFileSync(join(dir, 'deploy.sh'), [
      'echo "deploying $SHIPGATE_ENV/$SHIPGATE_SLOT $SHIPGATE_VERSION $SHIPGATE_SHA"',
      'echo "db is $MONGODB_URI" >&2',
      'echo "key=$API_KEY"',
      'pwd > where.txt',
    ].join('\n'));
    const provider = createCommandProvider({ run: 'sh deploy.sh', urlCommand: 'echo noise; echo "https://$SHIPGATE_SLOT.example.net/"', cwd: dir });
    const progress: string[] = [];
    const d = await provider.deploy(request(progress));
    expect(d).toMatchObject({ provider: 'command', env: 'production', slot: 'green', version: '2.0.1', url: 'https://green.example.net' });
    const text = progress.join('\n');
    expect(text).toContain('command: deploying production/green 2.0.1 0123456789abcdef0123456789abcdef01234567');
    expect(text).toContain('command: db is ***');
    expect(text).toContain('command: key=***');
    expect(text).not.toContain('s3cr3t-pass');
    expect(text).not.toContain('k-9f8e7d6c5b');
    expect(readFileSync(join(dir, 'where.txt'), 'utf8').trim()).toBe(dir);
    expect(provider.url(d)).toBe('https://green.example.net');
  });

  it('uses the configured url when there is no urlCommand', async () => {
    const provider = createCommandProvider({ run: 'true', url: 'https://app.example.com/', cwd: dir });
    const d = await provider.deploy(request([], { slot: undefined }));
    expect(d.url).toBe('https://app.example.com');
    expect(d.slot).toBeUndefined();
  });

  it('fails with the exit code and the last (redacted) lines', async () => {
    const provider = createCommandProvider({ run: 'for i in 1 2 3 4 5; do echo "line $i"; done; echo "uri $MONGODB_URI" >&2; exit 7', url: 'https://x.example', cwd: dir });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_COMMAND_FAILED');
    const shown = presentError(err);
    expect(shown).toContain('exited with code 7');
    expect(shown).toContain('line 5');
    expect(shown).toContain('uri ***');
    expect(shown).not.toContain('s3cr3t-pass');
  });

  it('kills the whole process group on timeout', async () => {
    const provider = createCommandProvider({
      run: 'sleep 60 & echo $! > child.pid; echo started; wait',
      url: 'https://x.example',
      cwd: dir,
      timeoutMs: 1500,
      killGraceMs: 1000,
    });
    const err = await caught(provider.deploy(request([])));
    expect(err.code).toBe('SHIPGATE_COMMAND_TIMEOUT');
    expect(err.message).toContain('started');
    const childPid = Number(readFileSync(join(dir, 'child.pid'), 'utf8'));
    // The group was signalled before close; give the kernel a moment to reap on a loaded machine.
    for (let i = 0; i < 50 && pidAlive(childPid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(pidAlive(childPid)).toBe(false);
  });

  it('stops when the release is aborted', async () => {
    const provider = createCommandProvider({ run: 'echo waiting; sleep 60', url: 'https://x.example', cwd: dir });
    const ac = new AbortController();
    const err = await caught(provider.deploy(request([], { signal: ac.signal, progress: (m) => m.endsWith('waiting') && ac.abort() })));
    expect(err.code).toBe('SHIPGATE_REMOTE_DEPLOY_ABORTED');
  });

  it('refuses a urlCommand that prints no URL, and a failing urlCommand', async () => {
    const p1 = createCommandProvider({ run: 'true', urlCommand: 'echo not-a-url', cwd: dir });
    expect((await caught(p1.deploy(request([])))).code).toBe('SHIPGATE_COMMAND_NO_URL');
    const p2 = createCommandProvider({ run: 'true', urlCommand: 'echo boom >&2; exit 3', cwd: dir });
    const err = await caught(p2.deploy(request([])));
    expect(err.message).toContain('urlCommand exited with code 3');
    expect(err.message).toContain('boom');
  });

  it('validates options, naming the field', () => {
    expect(() => createCommandProvider({ run: 'true', cwd: dir })).toThrow(/url: set url or urlCommand/);
    expect(() => createCommandProvider({ run: '  ', url: 'https://x.example', cwd: dir })).toThrow(/run is empty/);
    expect(existsSync(dir)).toBe(true);
  });
});
