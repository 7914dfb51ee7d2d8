/** The bot's dashboard settings (bot/dashboard-settings.ts): off without a secret; with one, a strong secret and an https base URL, or refused naming the variable. */
import { describe, expect, it } from 'vitest';
import { presentError } from '../pipeline/errors.ts';
import { redactText } from '../pipeline/secrets/redact.ts';
import { dashboardSettings } from './dashboard-settings.ts';

const SECRET = 'a-strong-dashboard-secret-with-48-characters-!!!';

describe('dashboard settings', () => {
  it('is off without SHIPGATE_DASHBOARD_SECRET: never served without sign-in', () => {
    expect(dashboardSettings({ SHIPGATE_DASHBOARD_URL: 'https://shipgate.example.com' })).toBeUndefined();
  });

  it('takes an https base URL (http only on loopback), without a trailing slash; the secret is registered for redaction', () => {
    expect(dashboardSettings({ SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'https://shipgate.example.com/' })).toEqual({ secret: SECRET, url: 'https://shipgate.example.com' });
    expect(dashboardSettings({ SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'http://127.0.0.1:3000' })?.url).toBe('http://127.0.0.1:3000');
    expect(redactText(`key ${SECRET}`)).not.toContain(SECRET);
  });

  it('refuses a short secret, a missing or bad URL, and plain http beyond loopback — naming the variable', () => {
    const err = (env: NodeJS.ProcessEnv) => {
      try {
        dashboardSettings(env);
      } catch (e) {
        return presentError(e);
      }
      return 'no error';
    };
    expect(err({ SHIPGATE_DASHBOARD_SECRET: 'short-secret', SHIPGATE_DASHBOARD_URL: 'https://x.example' })).toContain('SHIPGATE_DASHBOARD_SECRET must be at least 32 characters');
    expect(err({ SHIPGATE_DASHBOARD_SECRET: SECRET })).toContain('SHIPGATE_DASHBOARD_URL');
    expect(err({ SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'not a url' })).toContain('SHIPGATE_DASHBOARD_URL must be a URL');
    expect(err({ SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'http://shipgate.example.com' })).toContain('SHIPGATE_DASHBOARD_URL must be https');
    // The same rule the links use (pipeline/dashboard/links.ts): a URL links would refuse is refused here, not silently linkless.
    expect(err({ SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'https://user:pw@shipgate.example.com' })).toContain('must be a plain base URL');
    expect(err({ SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'https://shipgate.example.com/?x=1' })).toContain('must be a plain base URL');
    const base = { SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'https://x.example' };
    expect(err({ ...base, SLACK_CLIENT_ID: '1.2' })).toContain('SLACK_CLIENT_SECRET');
    expect(err({ ...base, SLACK_CLIENT_SECRET: 'shh' })).toContain('SLACK_CLIENT_ID');
    expect(err({ ...base, SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'shh', SLACK_TEAM_ID: 'acme' })).toContain('SLACK_TEAM_ID must be a Slack workspace id');
  });

  it('turns Sign in with Slack on with the app\'s client id and secret (the secret registered for redaction)', () => {
    const s = dashboardSettings({ SHIPGATE_DASHBOARD_SECRET: SECRET, SHIPGATE_DASHBOARD_URL: 'https://x.example', SLACK_CLIENT_ID: '1.2', SLACK_CLIENT_SECRET: 'slack-client-secret-value-42', SLACK_TEAM_ID: 'T0ACME' });
    expect(s?.slack).toEqual({ clientId: '1.2', clientSecret: 'slack-client-secret-value-42', teamId: 'T0ACME' });
    expect(redactText('x slack-client-secret-value-42')).not.toContain('slack-client-secret-value-42');
  });
});
