import { mkdtemp, mkdir, writeFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findWorkspace, inRepo, shipgateHome, stateDirOf } from './repo.ts';

async function tempRepo(): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), 'sg-ws-')));
  await mkdir(join(dir, '.git'));
  await mkdir(join(dir, '.github'));
  await mkdir(join(dir, 'src/deep'), { recursive: true });
  await writeFile(join(dir, '.github/shipgate.yml'), 'app: {}\n');
  return dir;
}

describe('workspace: paths resolve against the user repository, not the Shipgate install', () => {
  it('finds the repository from a subfolder by its .github/shipgate.yml', async () => {
    const repo = await tempRepo();
    const ws = findWorkspace({ cwd: join(repo, 'src/deep') });
    expect(ws.root).toBe(repo);
    expect(ws.configFile).toBe(join(repo, '.github/shipgate.yml'));
    expect(ws.configNamed).toBe(false);
    expect(inRepo(ws, 'smoke/suites')).toBe(join(repo, 'smoke/suites'));
    expect(stateDirOf(ws, {})).toBe(join(repo, '.shipgate/local'));
    expect(stateDirOf(ws, { SHIPGATE_STATE_DIR: 'var/sg' })).toBe(join(repo, 'var/sg'));
    expect(ws.root).not.toBe(shipgateHome);
  });

  it('a named config in .github makes its parent the repository, whatever the cwd', async () => {
    const repo = await tempRepo();
    const other = await realpath(await mkdtemp(join(tmpdir(), 'sg-cwd-')));
    const ws = findWorkspace({ cwd: other, config: join(repo, '.github/shipgate.yml') });
    expect(ws.root).toBe(repo);
    expect(ws.configNamed).toBe(true);
  });

  it('a named config elsewhere uses the nearest .git above it', async () => {
    const repo = await tempRepo();
    await writeFile(join(repo, 'src/deep/sg.yml'), 'app: {}\n');
    const ws = findWorkspace({ cwd: repo, config: 'src/deep/sg.yml' });
    expect(ws.root).toBe(repo);
    expect(ws.configShown).toBe('src/deep/sg.yml');
  });

  it('shipgateHome is the Shipgate package (has its package.json)', async () => {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(join(shipgateHome, 'package.json'), 'utf8')) as { name: string };
    expect(pkg.name).toBe('shipgate');
  });
});
