import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

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
export const STACK_FILE = 'berth.yml'
export const OUTPUT_DIR = '.berth'
