import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cliIdentity } from './identity.ts';

describe('who the CLI acts as (one rule for release, locks and migrate)', () => {
  it('--as, then SHIPGATE_AS, then GITHUB_ACTOR inside Actions, then the OS user', () => {
    expect(cliIdentity('ana', { SHIPGATE_AS: 'raj' })).toEqual({ via: 'cli', id: 'ana' });
    expect(cliIdentity(' sam ', {})).toEqual({ via: 'cli', id: 'sam' });
    expect(cliIdentity(undefined, { SHIPGATE_AS: 'raj', GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octo' })).toEqual({ via: 'cli', id: 'raj' });
    expect(cliIdentity(undefined, { GITHUB_ACTIONS: 'true', GITHUB_ACTOR: 'octo' })).toEqual({ via: 'github', id: 'octo' });
    // GITHUB_ACTOR counts only inside GitHub Actions.
    expect(cliIdentity(undefined, { GITHUB_ACTOR: 'octo' })).toEqual({ via: 'cli', id: userInfo().username });
  });

  it('an empty --as or SHIPGATE_AS is a usage error naming it, never a fallback to someone else', () => {
    expect(() => cliIdentity('  ', {})).toThrow(/--as is empty/);
    expect(() => cliIdentity(undefined, { SHIPGATE_AS: '' })).toThrow(/SHIPGATE_AS is empty/);
  });
});
