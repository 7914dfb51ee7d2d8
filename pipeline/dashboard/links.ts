/**
 * Links to the dashboard from elsewhere (the Slack live message, the GitHub job summary): the
 * release page under SHIPGATE_DASHBOARD_URL, the bot's public base URL. Nothing when it is unset or
 * not an https URL (plain http only on loopback): a link is never built to somewhere unchecked.
 */
/** Loopback names, as URL hostnames give them (`[::1]`) and as listen addresses (`::1`). */
export function isLoopbackHostname(host: string): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host);
}

export type DashboardUrlProblem = 'not-a-url' | 'not-https' | 'not-plain';

/**
 * The one rule for the dashboard's base URL (the bot's settings refuse it, links are not built
 * from it): https, or plain http on loopback only, since sign-in links and session cookies must
 * not cross the network in clear; no user, password, query or fragment.
 */
export function checkDashboardUrl(url: string): { ok: true; base: string } | { ok: false; problem: DashboardUrlProblem; url?: URL } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, problem: 'not-a-url' };
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHostname(u.hostname))) return { ok: false, problem: 'not-https', url: u };
  if (u.username || u.password || u.search || u.hash) return { ok: false, problem: 'not-plain', url: u };
  return { ok: true, base: `${u.origin}${u.pathname.replace(/\/+$/, '')}` };
}

export function dashboardBase(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const c = checkDashboardUrl(url);
  return c.ok ? c.base : undefined;
}

export function releasePageUrl(base: string | undefined, releaseId: string): string | undefined {
  const b = dashboardBase(base);
  return b && /^[A-Za-z0-9._-]{1,100}$/.test(releaseId) ? `${b}/ui/releases/${releaseId}` : undefined;
}
