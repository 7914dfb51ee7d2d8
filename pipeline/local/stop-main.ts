/**
 * `npm stop`: stops every app and the router the local release left running, as recorded in
 * the state file (default .shipgate/local/state.json; `--state <dir>` for another folder).
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { stopAllLocal } from '../deploy/process.ts';

const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const { values } = parseArgs({ options: { state: { type: 'string' } } });
const stateDir = values.state ?? join(repoRoot, '.shipgate', 'local');

const stopped = await stopAllLocal(stateDir);
if (stopped.length === 0) console.log(`nothing recorded as running in ${stateDir}`);
for (const s of stopped) console.log(`${s.what} (pid ${s.pid}): ${s.outcome}`);
