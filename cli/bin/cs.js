#!/usr/bin/env node
// The CLI is written in TypeScript; tsx compiles it on the fly so there is no build step.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The repository's tsconfig, wherever `cs` is run from: its `paths` resolve @connectsphere/sdk to sdk/src.
register({ tsconfig: fileURLToPath(new URL('../../tsconfig.json', import.meta.url)) });
await import('../src/main.ts');
