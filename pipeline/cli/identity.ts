/**
 * Who the CLI acts as — one rule for every command (release, locks, migrate). A light module:
 * `shipgate migrate` uses it without loading the release engine that session.ts brings in.
 */
import { userInfo } from 'node:os';
import { coreErrors } from '../errors.ts';
import type { Identity } from '../release/types.ts';

/**
 * `--as`, else $SHIPGATE_AS, else — inside GitHub Actions — the GitHub login in $GITHUB_ACTOR
 * (set by GitHub: whoever triggered the run), else the OS user name. An assertion, not
 * authentication: see docs/cli.md#trust-model.
 */
export function cliIdentity(as?: string, env: Record<string, string | undefined> = process.env): Identity {
  const named = as ?? env.SHIPGATE_AS;
  if (named !== undefined) {
    if (!named.trim()) throw coreErrors.SHIPGATE_USAGE({ problem: `${as !== undefined ? '--as' : 'SHIPGATE_AS'} is empty`, usage: '--as <person> (a name from people in .github/shipgate.yml)' });
    return { via: 'cli', id: named.trim() };
  }
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_ACTOR) return { via: 'github', id: env.GITHUB_ACTOR };
  return { via: 'cli', id: userInfo().username };
}
