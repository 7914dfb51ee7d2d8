import { describe, expect, it } from 'vitest';
import { assertMayOperate, assertMayRelease, type ReleaseRequestCheck } from './authorize.ts';

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

describe('who may lock, unlock, roll back and approve (assertMayOperate)', () => {
  const check = { ...base, approvers: ['ana'] };
  it.each(['lock', 'unlock', 'rollback'] as const)('%s of a protected environment: deployers only, a stranger is refused naming who may and how to fix', (action) => {
    const doing = action === 'rollback' ? 'roll back' : action;
    expect(assertMayOperate({ ...check, action, env: 'production', identity: { via: 'cli', id: 'sam' } })?.name).toBe('sam');
    expect(assertMayOperate({ ...check, action, env: 'production', identity: { via: 'github', id: 'sam-gh' } })?.name).toBe('sam');
    let err: unknown;
    try {
      assertMayOperate({ ...check, action, env: 'production', identity: { via: 'cli', id: 'stranger' } });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'SHIPGATE_NOT_A_DEPLOYER', message: `stranger may not ${doing} production (allowed: sam, ana, members of S0OPS)` });
    expect((err as { hint: string }).hint).toMatch(/add the person to environments\.production\.deployers in \.github\/shipgate\.yml \(and to people.*pass --as <name>/);
    expect(() => assertMayOperate({ ...check, action, env: 'production', identity: { via: 'slack', id: 'U1LEE' } })).toThrow(`lee may not ${doing} production`);
    expect(() => assertMayOperate({ ...check, action, env: 'production', identity: { via: 'slack', id: 'U1LEE' }, slackGroups: ['S0OPS'] })).not.toThrow();
    expect(() => assertMayOperate({ ...check, action, env: 'production', identity: { via: 'github', id: 'U1LEE' }, slackGroups: ['S0OPS'] })).toThrow(/may not/);
  });
  it('a protected environment without deployers: any person in people, never a stranger', () => {
    expect(assertMayOperate({ ...check, action: 'lock', env: 'qa', identity: { via: 'slack', id: 'U1LEE' } })?.name).toBe('lee');
    expect(() => assertMayOperate({ ...check, action: 'lock', env: 'qa', identity: { via: 'github', id: 'someone' } })).toThrow(
      /github:someone may not lock qa \(allowed: people listed in people\)/,
    );
  });
  it('an unprotected environment without deployers: anyone (as for a release there)', () => {
    expect(assertMayOperate({ ...check, action: 'rollback', env: 'staging', identity: { via: 'cli', id: 'stranger' } })).toBeUndefined();
  });
  it('an environment the config does not name: nobody', () => {
    expect(() => assertMayOperate({ ...check, action: 'unlock', env: 'prod', identity: { via: 'cli', id: 'sam' } })).toThrow(/sam may not unlock prod \(allowed: nobody: the config has no such environment\)/);
    expect(() => assertMayOperate({ ...check, action: 'lock', env: 'toString', identity: { via: 'cli', id: 'sam' } })).toThrow(/no such environment/);
  });
  it('approve: configured approvers only; a stranger is not a person, a deployer is not an approver; no approvers configured, nobody', () => {
    expect(assertMayOperate({ ...check, action: 'approve', env: 'production', identity: { via: 'slack', id: 'U1ANA' } })?.name).toBe('ana');
    expect(() => assertMayOperate({ ...check, action: 'approve', env: 'production', identity: { via: 'cli', id: 'stranger' } })).toThrow('stranger is not listed in people');
    expect(() => assertMayOperate({ ...check, action: 'approve', env: 'production', identity: { via: 'cli', id: 'sam' } })).toThrow(/sam is not an approver \(approvers: ana\)/);
    expect(() => assertMayOperate({ ...base, action: 'approve', env: 'production', identity: { via: 'cli', id: 'ana' } })).toThrow(/ana is not an approver \(approvers: none\)/);
  });
});
