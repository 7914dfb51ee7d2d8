/**
 * DNS providers (DESIGN.md): where does the public host point, and switch it. `local` is a real
 * reverse proxy in front of the production slots (the local stand-in for DNS); `cloudflare`
 * edits a DNS record through API v4.
 */
export interface DnsProvider {
  readonly name: string;
  /** The target the public host points at now (a URL for local, a record content for Cloudflare), or null. */
  current(host: string, opts?: DnsCallOptions): Promise<string | null>;
  /** Points the public host at `target`; returns the previous target. Idempotent. */
  switch(host: string, target: string, opts?: DnsCallOptions): Promise<{ previous: string | null }>;
}

/** What a stage hands a DNS call: its abort signal and its progress line (waits on a rate limit are reported there). */
export interface DnsCallOptions {
  signal?: AbortSignal;
  progress?: (message: string) => void;
}
