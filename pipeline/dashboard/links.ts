/**
 * Links to the dashboard from elsewhere (the Slack live message, the GitHub job summary): the
 * release page under SHIPGATE_DASHBOARD_URL, the bot's public base URL. Nothing when it is unset or
 * not an https URL (plain http only on loopback): a link is never built to somewhere unchecked.
 */
export function dashboardBase(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) return undefined;
    if (u.username || u.password || u.search || u.hash) return undefined;
    return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

export function releasePageUrl(base: string | undefined, releaseId: string): string | undefined {
  const b = dashboardBase(base);
  return b && /^[A-Za-z0-9._-]{1,100}$/.test(releaseId) ? `${b}/ui/releases/${releaseId}` : undefined;
}
