/** The commit a release is about, from git. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { coreErrors } from '../errors.ts';

const run = promisify(execFile);

export async function resolveCommit(ref: string, cwd = process.cwd()): Promise<string> {
  try {
    const { stdout } = await run('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd });
    return stdout.trim();
  } catch {
    throw coreErrors.SHIPGATE_USAGE({ problem: `--ref ${ref}: not a commit in this git checkout`, usage: 'shipgate release --to <env> --ref <branch|tag|sha> (or --sha <sha> outside a checkout)' });
  }
}
