/** Errors of the bot's HTTP edge (start-up of the one server). */
import { defineErrors } from '../../pipeline/errors.ts';

export const botHttpErrors = defineErrors({
  SHIPGATE_BOT_PORT_IN_USE: {
    message: (d: { host: string; port: number }) => `the bot cannot listen on ${d.host}:${d.port}: another process is already listening there`,
    hint: (d: { port: number }) => `stop the other process (e.g. \`lsof -i :${d.port}\`), or set PORT to a free port`,
    docs: 'security.md#running-the-bot',
  },
  SHIPGATE_BOT_LISTEN: {
    message: (d: { host: string; port: number; reason: string }) => `the bot cannot listen on ${d.host}:${d.port}: ${d.reason}`,
    hint: () => 'set HOST to an address of this machine (default 127.0.0.1) and PORT to a port you may open (above 1023 unless privileged)',
    docs: 'security.md#running-the-bot',
  },
  SHIPGATE_BOT_SERVER_OPTIONS: {
    message: (d: { problem: string }) => d.problem,
    hint: () => 'pass the options bot/main.ts passes (see bot/server.ts)',
  },
});
