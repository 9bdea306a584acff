import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The berth package folder (holds templates/ and schema/), from dist/ or src/ alike. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BUILTIN_TEMPLATES = path.join(PACKAGE_ROOT, 'templates')
export const RUNTIME_DIR = path.join(PACKAGE_ROOT, 'runtime')
export const SCHEMA_FILE = path.join(PACKAGE_ROOT, 'schema', 'berth.schema.json')
export const STACK_FILE = 'berth.yml'
export const OUTPUT_DIR = '.berth'
