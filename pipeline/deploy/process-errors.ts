/** Error catalogue of the `process` deploy provider (the local release's app processes). */
import { defineErrors } from '../errors.ts';

export const processDeployErrors = defineErrors({
  SHIPGATE_PROCESS_OPTIONS_INVALID: {
    message: (d: { problems: string[] }) => `the process deploy provider options are not valid:${d.problems.map((p) => `\n  - ${p}`).join('')}`,
    hint: () => 'give `command` (shell command that starts the app), `cwd`, `stateDir`, and either `ports` (e.g. { staging: 4100 }) or `basePort`',
    docs: 'providers.md#deploy-process',
    exitCode: 3,
  },
  SHIPGATE_PROCESS_PORT_BUSY: {
    message: (d: { key: string; port: number }) => `port ${d.port} for ${d.key} already accepts connections, but no app Shipgate started is recorded there`,
    hint: (d: { port: number }) => `stop whatever listens on 127.0.0.1:${d.port} (\`npm stop\` stops what Shipgate started), or give ${'`'}ports${'`'} another port`,
    docs: 'providers.md#deploy-process',
  },
  SHIPGATE_PROCESS_EXITED: {
    message: (d: { key: string; command: string; exitCode: number | null; signal: string | null; logFile: string; logTail: string; logLines?: string[] }) =>
      `the app for ${d.key} exited during start-up (${d.signal ? `signal ${d.signal}` : `exit code ${d.exitCode}`}); command: ${d.command}\n` +
      `last lines of ${d.logFile}:\n${d.logTail || '(empty log)'}`,
    hint: () => 'fix the start command (app.start) or the error in the log above; run the command by hand with PORT set to reproduce',
    docs: 'providers.md#deploy-process',
  },
  SHIPGATE_PROCESS_START_TIMEOUT: {
    message: (d: { key: string; port: number; timeoutMs: number; logFile: string; logTail: string; logLines?: string[] }) =>
      `the app for ${d.key} did not accept connections on 127.0.0.1:${d.port} within ${d.timeoutMs} ms; it was stopped\n` +
      `last lines of ${d.logFile}:\n${d.logTail || '(empty log)'}`,
    hint: () => 'the app must listen on the port given in the PORT environment variable; raise startTimeoutMs if it starts slowly',
    docs: 'providers.md#deploy-process',
  },
});
