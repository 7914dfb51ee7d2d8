import { describe, expect, it } from 'vitest';
import { presentError } from '../errors.ts';
import { requesterOfDispatch } from './requester.ts';

describe('requester of a workflow_dispatch (release.yml)', () => {
  const app = 'shipgate-app[bot]';
  it('the app bot names the Slack user it acts for', () => {
    expect(requesterOfDispatch({ actor: 'shipgate-app[bot]', appBotLogin: app, requested: 'slack:U056GHI' })).toEqual({ via: 'slack', id: 'U056GHI' });
  });
  it('the app bot must name someone', () => {
    expect(() => requesterOfDispatch({ actor: app, appBotLogin: app, requested: '' })).toThrow(/not <side>:<id>/);
  });
  it('a human dispatcher is the requester, whatever the default', () => {
    expect(requesterOfDispatch({ actor: 'rajk', appBotLogin: app })).toEqual({ via: 'github', id: 'rajk' });
    expect(requesterOfDispatch({ actor: 'rajk', appBotLogin: app, requested: 'github:RajK' })).toEqual({ via: 'github', id: 'rajk' });
  });
  it('a human cannot name someone else (no releasing in another name, then approving it)', () => {
    const e = (() => { try { requesterOfDispatch({ actor: 'rajk', appBotLogin: app, requested: 'slack:U012ABC' }); } catch (err) { return err; } })();
    expect(presentError(e)).toMatch(/rajk dispatched the release workflow naming requester "slack:U012ABC"/);
  });
  it('without an app configured, nobody may name someone else', () => {
    expect(() => requesterOfDispatch({ actor: 'shipgate-app[bot]', requested: 'slack:U1' })).toThrow(/only the Shipgate app/);
  });
  it('rejects malformed identities', () => {
    expect(() => requesterOfDispatch({ actor: app, appBotLogin: app, requested: 'U056GHI' })).toThrow(/not <side>:<id>/);
  });
});
