/** Error catalogue of the `local` DNS provider (the local router standing in for DNS). */
import { defineErrors } from '../errors.ts';

export const localDnsErrors = defineErrors({
  SHIPGATE_DNS_LOCAL_HOST: {
    message: (d: { host: string; expected: string }) => `the local DNS provider serves ${d.expected}, not ${d.host}`,
    hint: (d: { expected: string }) => `set the production url to ${d.expected} for the local release, or change dns.listenPort`,
    docs: 'providers.md#dns-local',
  },
  SHIPGATE_DNS_LOCAL_ROUTER_START: {
    message: (d: { listenPort: number; reason: string; logFile: string; logTail: string }) =>
      `the local router for 127.0.0.1:${d.listenPort} did not start: ${d.reason}\nlast lines of ${d.logFile}:\n${d.logTail || '(empty log)'}`,
    hint: (d: { listenPort: number }) => `check that nothing else listens on port ${d.listenPort} (\`npm stop\` stops what Shipgate started)`,
    docs: 'providers.md#dns-local',
  },
  SHIPGATE_DNS_LOCAL_OTHER_ROUTER: {
    message: (d: { running: number; wanted: number; pid: number }) => `a local router (pid ${d.pid}) already serves port ${d.running}, but this release wants port ${d.wanted}`,
    hint: () => 'run `npm stop` to stop the old router, then release again',
    docs: 'providers.md#dns-local',
  },
  SHIPGATE_DNS_LOCAL_SWITCH_FAILED: {
    message: (d: { target: string; reason: string }) => `the local router refused to switch to ${d.target}: ${d.reason}`,
    hint: () => 'the target must be a base URL such as http://127.0.0.1:4200 (the slot the process provider returned)',
    docs: 'providers.md#dns-local',
  },
});
