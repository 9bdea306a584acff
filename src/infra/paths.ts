import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {InstallPort} from '../app/ports.js'
import {BUILD_INFO} from './build-info.js'
import {fsCacheStore} from './cache-store.js'

/** The berth package folder (holds templates/ and schema/): from dist/index.js or src/infra/paths.ts alike. */
function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 4; i++) {
    if (existsSync(path.join(dir, 'templates')) && existsSync(path.join(dir, 'package.json'))) return dir
    dir = path.dirname(dir)
  }
  throw new Error(`berth's own files (templates/) were not found above ${fileURLToPath(import.meta.url)}`)
}

export const PACKAGE_ROOT = packageRoot()
export const BUILTIN_TEMPLATES = path.join(PACKAGE_ROOT, 'templates')
export const RUNTIME_DIR = path.join(PACKAGE_ROOT, 'runtime')
export const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'schema', 'berth.schema.json')

/** The install port: where berth's own files are, its build, and the render cache (off with BERTH_NO_CACHE=1 or from source). */
export function installation(env: NodeJS.ProcessEnv = process.env): InstallPort {
  return {
    packageRoot: PACKAGE_ROOT,
    builtinTemplates: BUILTIN_TEMPLATES,
    runtimeDir: RUNTIME_DIR,
    schemaFile: SCHEMA_FILE,
    runtimeScript: (name) => readFileSync(path.join(RUNTIME_DIR, name), 'utf8'),
    build: BUILD_INFO,
    cache: BUILD_INFO && env.BERTH_NO_CACHE !== '1' ? fsCacheStore : null,
  }
}
