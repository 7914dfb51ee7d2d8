import { describe, expect, it } from 'vitest';
import { assertMayRelease, type ReleaseRequestCheck } from './authorize.ts';

const base: Omit<ReleaseRequestCheck, 'identity' | 'path'> = {
  people: [{ name: 'ana', slack: 'U1ANA' }, { name: 'sam', slack: 'U1SAM', github: 'sam-gh' }, { name: 'lee', slack: 'U1LEE' }],
  environments: {
    staging: { protected: false },
    production: { protected: true, deployers: ['sam', 'ana'], deployerGroups: ['S0OPS'] },
    qa: { protected: true },
  },
};

describe('who may release', () => {
  it('anyone may release to an unprotected environment without deployers', () => {
    expect(assertMayRelease({ ...base, path: ['staging'], identity: { via: 'slack', id: 'UOUTSIDER' } })).toBeUndefined();
  });
  it('deployers are recognised whichever side they act from', () => {
    expect(assertMayRelease({ ...base, path: ['staging', 'production'], identity: { via: 'github', id: 'SAM-GH' } })?.name).toBe('sam');
  });
  it('refuses a listed person who is not a deployer, naming who may', () => {
    expect(() => assertMayRelease({ ...base, path: ['staging', 'production'], identity: { via: 'slack', id: 'U1LEE' } })).toThrow(
      /lee may not release to production \(allowed: sam, ana, members of S0OPS\)/,
    );
  });
  it('a Slack user group counts only for a Slack identity the caller checked', () => {
    expect(() => assertMayRelease({ ...base, path: ['production'], identity: { via: 'slack', id: 'U1LEE' }, slackGroups: ['S0OPS'] })).not.toThrow();
    expect(() => assertMayRelease({ ...base, path: ['production'], identity: { via: 'cli', id: 'lee' }, slackGroups: ['S0OPS'] })).toThrow(/may not release/);
  });
  it('a protected environment without deployers needs a known person', () => {
    expect(() => assertMayRelease({ ...base, path: ['qa'], identity: { via: 'slack', id: 'UOUTSIDER' } })).toThrow(/slack:UOUTSIDER may not release to qa \(allowed: people listed in people\)/);
    expect(assertMayRelease({ ...base, path: ['qa'], identity: { via: 'cli', id: 'lee' } })?.name).toBe('lee');
  });
});
