/**
 * Errors of the remote DNS providers (cloudflare). Prefixed by provider so the `local` router can
 * declare its own codes. Messages never carry the API token.
 */
import { defineErrors } from '../errors.ts';

function cloudflareHint(codes: number[], ttl?: number): string {
  if (codes.some((c) => c === 9021) && ttl !== undefined && ttl > 1 && ttl < 60)
    return `TTL below 60 needs an Enterprise zone: Cloudflare refused ttl ${ttl} for this zone; set dns.ttl to 60 or more (or 1 for automatic) in .github/shipgate.yml`;
  if (codes.some((c) => c === 81053 || c === 81054))
    return 'a CNAME cannot share its name with A/AAAA records: delete the other records of that name in the Cloudflare dashboard, or switch with the same record type (dns.type)';
  if (codes.some((c) => c === 10000 || c === 9109 || c === 10001))
    return 'the API token needs the Zone → DNS → Edit permission on this zone (My Profile → API Tokens); check that the right env var is set';
  if (codes.some((c) => c === 7003 || c === 7000 || c === 1001))
    return 'check the zone id (Cloudflare dashboard → the domain → Overview → API → Zone ID)';
  if (codes.some((c) => c === 9021)) return 'ttl must be 1 (automatic) or between 60 and 86400 seconds (from 30 on Enterprise zones)';
  return 'see the Cloudflare error code in https://developers.cloudflare.com/api/';
}

export const dnsErrors = defineErrors({
  SHIPGATE_CLOUDFLARE_OPTIONS_INVALID: {
    message: (d: { problems: string[] }) => `cloudflare DNS options are invalid: ${d.problems.join('; ')}`,
    hint: () => 'fix environments.<env>.dns in .github/shipgate.yml (zone id env var, record, type, ttl)',
    docs: 'providers.md#dns-cloudflare',
  },
  SHIPGATE_CLOUDFLARE_API: {
    message: (d: { operation: string; status: number; errors: Array<{ code: number; message: string }>; ttl?: number }) =>
      `Cloudflare refused ${d.operation} (HTTP ${d.status}): ${d.errors.map((e) => `${e.code}: ${e.message}`).join('; ') || 'no error detail'}`,
    hint: (d: { errors: Array<{ code: number }>; ttl?: number }) => cloudflareHint(d.errors.map((e) => e.code), d.ttl),
    docs: 'providers.md#dns-cloudflare',
  },
  SHIPGATE_CLOUDFLARE_RATE_LIMITED: {
    message: (d: { operation: string; record: string; attempts: number; waitedMs: number; limitMs: number; retryAfterMs: number | null; pointsAt: string | null | undefined }) =>
      `Cloudflare kept rate-limiting ${d.operation} (HTTP 429, ${d.attempts} tries over ${Math.round(d.waitedMs / 1000)}s; ` +
      `${d.retryAfterMs === null ? 'no Retry-After' : `Retry-After ${Math.ceil(d.retryAfterMs / 1000)}s`} goes past the ${Math.round(d.limitMs / 1000)}s limit): ` +
      `the ${d.record} record was not changed — DNS may still point at ${d.pointsAt === undefined ? 'its previous target (the read was refused too)' : (d.pointsAt ?? 'nothing (the record does not exist)')}`,
    hint: (d: { record: string }) =>
      `the API allows 1200 requests per 5 minutes per user, shared with the dashboard and every other tool using the token's user; check ${d.record} in the Cloudflare dashboard and fix it there, or wait a few minutes and run the release step again`,
    docs: 'providers.md#cloudflare-limits',
  },
  SHIPGATE_CLOUDFLARE_UNREACHABLE: {
    message: (d: { operation: string; apiUrl: string; reason: string }) => `could not reach the Cloudflare API at ${d.apiUrl} for ${d.operation}: ${d.reason}`,
    hint: () => 'check network access from the runner to api.cloudflare.com, or the apiUrl option',
    docs: 'providers.md#dns-cloudflare',
  },
  SHIPGATE_CLOUDFLARE_RECORD_MISSING: {
    message: (d: { type: string; name: string; zoneId: string }) => `no ${d.type} record named ${d.name} in Cloudflare zone ${d.zoneId}`,
    hint: () => 'create the record once in the Cloudflare dashboard, or set dns.create: true to let Shipgate create it',
    docs: 'providers.md#dns-cloudflare',
  },
  SHIPGATE_CLOUDFLARE_AMBIGUOUS: {
    message: (d: { type: string; name: string; count: number }) => `${d.count} ${d.type} records are named ${d.name}; Shipgate switches exactly one`,
    hint: () => 'keep a single record of that name and type (delete the others in the Cloudflare dashboard)',
    docs: 'providers.md#dns-cloudflare',
  },
  SHIPGATE_CLOUDFLARE_HOST_MISMATCH: {
    message: (d: { host: string; recordName: string }) => `asked to switch ${d.host} but this provider manages ${d.recordName}`,
    hint: () => 'the environment url host and dns.record must name the same host',
    docs: 'providers.md#dns-cloudflare',
  },
});
