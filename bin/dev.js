#!/usr/bin/env -S node --import tsx
// Runs berth from the TypeScript sources (no build), with oclif's development mode.
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
