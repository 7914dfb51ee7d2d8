/**
 * The public host checks: the DNS record the cutover switches exists, a Railway custom domain is
 * attached to the service (each slot's service) and verified, and the public URL's TLS certificate
 * is trusted, made for the host, and not about to expire.
 */
import { checkServerIdentity, connect, type PeerCertificate } from 'node:tls';
import { environmentByName } from '../config/lookup.ts';
import type { AttachedDomain } from '../deploy/types.ts';
import { failed, passed, skipped, type Finding, type PreflightCheck, type PreflightContext } from './types.ts';

/** The URL the public reaches an environment at: its DNS record, else its configured url. */
export function publicUrlOf(ctx: Pick<PreflightContext, 'config' | 'runtimes'>, env: string): string | undefined {
  return ctx.runtimes[env]?.dns?.publicUrl ?? environmentByName(ctx.config, env).url;
}

export const dnsRecordCheck: PreflightCheck = {
  id: 'dns-record',
  title: (env) => `DNS record of ${env}`,
  async run(ctx) {
    const e = environmentByName(ctx.config, ctx.env);
    const dns = ctx.runtimes[ctx.env]?.dns;
    if (!e.dns || !dns) return skipped('no dns: in the config, nothing is switched at go-live');
    const current = await dns.provider.current(dns.host, { signal: ctx.signal });
    if (e.dns.provider === 'local') return current ? passed(`the local router sends ${dns.publicUrl} to ${current}`) : skipped(`the local router has no route yet; the first cutover creates it`);
    if (current === null) return failed(`no record ${dns.host} in the Cloudflare zone`, `create a CNAME ${dns.host} in Cloudflare → DNS (any target: the cutover switches it), or fix environments.${ctx.env}.dns.record`);
    return passed(`${dns.host} → ${current}`);
  },
};

export interface DomainFacts {
  env: string;
  domain: string;
  attached: AttachedDomain[];
  /** How many services must carry it (one per slot on a slotted environment). */
  services: number;
}

/** Pure: the custom domain is on every service that may serve it, and Railway verified it there. */
export function evaluateCustomDomain(facts: DomainFacts): Finding {
  const f = { ...facts, domain: facts.domain.toLowerCase() };
  const mine = f.attached.filter((d) => d.domain.toLowerCase() === f.domain);
  const fix = `Railway → the service → Settings → Networking → Custom Domain: add ${f.domain}${f.services > 1 ? ' on each slot\'s service' : ''}, then create the DNS record Railway shows`;
  if (mine.length === 0) return failed(`${f.domain} is not attached to ${f.env}'s service on Railway`, fix);
  const services = new Set(mine.map((d) => d.serviceId));
  if (services.size < f.services) return failed(`${f.domain} is attached to ${services.size} of the ${f.services} slot services on Railway`, fix);
  const unverified = mine.filter((d) => !d.verified);
  if (unverified.length) return failed(`${f.domain} is not verified by Railway yet${unverified[0]?.detail ? `: ${unverified[0].detail}` : ''}`, 'create the DNS record Railway shows for the domain (Settings → Networking) and wait for it to verify');
  return passed(`${f.domain} is attached to ${services.size === 1 ? 'the service' : `${services.size} services`} and verified`);
}

export const customDomainCheck: PreflightCheck = {
  id: 'custom-domain',
  title: (env) => `custom domain of ${env}`,
  async run(ctx) {
    const e = environmentByName(ctx.config, ctx.env);
    if (e.deploy.provider !== 'railway') return skipped(`the ${e.deploy.provider} provider has no custom domains to check`);
    const url = publicUrlOf(ctx, ctx.env);
    if (!url) return skipped(`no public URL for ${ctx.env} (environments.${ctx.env}.url or dns.record)`);
    const domain = new URL(url).hostname;
    if (/\.railway\.app$/i.test(domain)) return skipped(`${domain} is Railway's own domain`);
    const provider = ctx.runtimes[ctx.env]?.deploy;
    if (!provider?.customDomains) return skipped('this Railway provider cannot list custom domains');
    // With a DNS cutover the record points at the slots' own hosts: the custom domain lives in Cloudflare, not on Railway.
    if (e.dns?.provider === 'cloudflare') return skipped(`${domain} is switched by Cloudflare between the slots' Railway domains`);
    const attached = await provider.customDomains({ signal: ctx.signal });
    const services = e.deploy.slots?.length && e.deploy.slotServices ? e.deploy.slots.length : 1;
    return evaluateCustomDomain({ env: ctx.env, domain, attached, services });
  },
};

export interface CertificateFacts {
  host: string;
  /** The chain verified against the trusted roots (Node's, plus preflight's extra CA). */
  authorized: boolean;
  authorizationError?: string;
  /** checkServerIdentity's complaint, if the certificate is not made for the host. */
  identityError?: string;
  validFrom: Date;
  validTo: Date;
  subject: string;
  now: Date;
  minValidityMs: number;
}

const DAY = 86_400_000;

/** Pure: trusted, for this host, already valid, and valid for at least minValidity more. */
export function evaluateCertificate(f: CertificateFacts): Finding {
  const days = (ms: number) => Math.floor(ms / DAY);
  const on = (d: Date) => d.toISOString().slice(0, 10);
  if (f.identityError) return failed(`the certificate of ${f.host} is for ${f.subject}, not ${f.host}`, `issue a certificate that covers ${f.host} (on Railway and Cloudflare this happens once the domain is attached and its DNS record is right)`);
  if (f.validTo.getTime() <= f.now.getTime()) return failed(`the certificate of ${f.host} expired on ${on(f.validTo)}`, 'renew the certificate (check the ACME/auto-renew setting of your platform)');
  if (f.validFrom.getTime() > f.now.getTime()) return failed(`the certificate of ${f.host} is not valid before ${on(f.validFrom)}`, 'check the clock of the server, or wait until the certificate is valid');
  if (!f.authorized) return failed(`the certificate of ${f.host} is not trusted: ${f.authorizationError ?? 'unknown issuer'}`, 'serve the full chain from a public CA (a self-signed or incomplete chain fails in browsers)');
  const left = f.validTo.getTime() - f.now.getTime();
  if (left < f.minValidityMs) return failed(`the certificate of ${f.host} expires on ${on(f.validTo)}, in ${days(left)} days (less than ${days(f.minValidityMs)})`, 'renew it before go-live, or lower preflight.certMinValidity');
  return passed(`${f.host}: trusted certificate, valid until ${on(f.validTo)} (${days(left)} days)`);
}

/** Reads a TLS server's certificate (no HTTP request is sent). */
export function readCertificate(url: URL, opts: { signal: AbortSignal; ca?: string }): Promise<{ cert: PeerCertificate; authorized: boolean; authorizationError?: string }> {
  return new Promise((resolve, reject) => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = connect({
      host,
      port: Number(url.port || 443),
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      rejectUnauthorized: false,
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
    const onAbort = () => socket.destroy(new Error('timed out'));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const authorizationError = socket.authorizationError ? String(socket.authorizationError) : undefined;
      resolve({ cert, authorized: socket.authorized, ...(authorizationError ? { authorizationError } : {}) });
      socket.end();
      opts.signal.removeEventListener('abort', onAbort);
    });
    socket.once('error', (err) => {
      opts.signal.removeEventListener('abort', onAbort);
      reject(new Error(`TLS connection to ${url.host} failed: ${err.message}`));
    });
  });
}

export const tlsCheck: PreflightCheck = {
  id: 'tls',
  title: (env) => `TLS certificate of ${env}`,
  async run(ctx) {
    const raw = publicUrlOf(ctx, ctx.env);
    if (!raw) return skipped(`no public URL for ${ctx.env}`);
    const url = new URL(raw);
    if (url.protocol !== 'https:') return skipped(`${url.origin} is plain HTTP: no certificate to check`, 'serve the public URL over HTTPS');
    const { cert, authorized, authorizationError } = await readCertificate(url, { signal: ctx.signal, ...(ctx.tlsCa ? { ca: ctx.tlsCa } : {}) });
    if (!cert || !cert.valid_to) throw new Error(`${url.host} sent no certificate`);
    const identity = checkServerIdentity(url.hostname, cert);
    return evaluateCertificate({
      host: url.hostname,
      authorized,
      ...(authorizationError ? { authorizationError } : {}),
      ...(identity ? { identityError: identity.message } : {}),
      validFrom: new Date(cert.valid_from),
      validTo: new Date(cert.valid_to),
      subject: cert.subjectaltname?.replace(/DNS:/g, '') || String(cert.subject?.CN ?? 'another host'),
      now: ctx.now,
      minValidityMs: ctx.config.preflight.certMinValidity,
    });
  },
};
