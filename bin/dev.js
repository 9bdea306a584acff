#!/usr/bin/env -S node --import tsx
// Runs berth from the TypeScript sources (no build), in the development mode of oclif.
import {main} from '../src/index.ts'

await main(import.meta.url, true)
