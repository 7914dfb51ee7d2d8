#!/usr/bin/env node
// The `shipgate` command. Runs the TypeScript sources through tsx — both loaders, so that user
// migrations written in TypeScript load whether their folder is ESM or CommonJS.
import { register as registerEsm } from 'tsx/esm/api';
import { register as registerCjs } from 'tsx/cjs/api';

registerEsm();
registerCjs();
await import('../pipeline/cli/main.ts');
