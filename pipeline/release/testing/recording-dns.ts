/**
 * A DNS provider for unit tests of rollback and status: it keeps one target in memory and
 * switches it (the real local router and Cloudflare's fake are exercised in e2e tests). `target`
 * can be read and set by the test; `runtime(name)` wraps it as an environment's DNS runtime.
 */
import type { DnsProvider } from '../../dns/types.ts';
import type { EnvironmentRuntime } from '../stages/runtime.ts';

export interface RecordingDns {
  provider: DnsProvider;
  target: string | null;
  /** An environment runtime with this DNS (public address http://127.0.0.1:4000). */
  runtime(name: string, extra?: Record<string, unknown>): EnvironmentRuntime;
}

export function recordingDns(initial: string | null): RecordingDns {
  const state: RecordingDns = {
    target: initial,
    provider: {
      name: 'recording',
      current: async () => state.target,
      switch: async (_host, to) => {
        const previous = state.target;
        state.target = to;
        return { previous };
      },
    },
    runtime: (name, extra = {}) =>
      ({ name, ...extra, dns: { provider: state.provider, host: 'http://127.0.0.1:4000', publicUrl: 'http://127.0.0.1:4000', targetFor: (u: string) => u, urlFor: (x: string) => x } }) as unknown as EnvironmentRuntime,
  };
  return state;
}
