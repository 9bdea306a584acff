/**
 * Files under the project's .berth/ folder (it ignores itself in git): the render cache's entries,
 * .berth/cache/ENV.json, written atomically. Reading never fails (an unreadable entry is a miss) and
 * neither does writing (a read-only project just renders every time).
 */
import {mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import type {CacheStore} from '../app/ports.js'
import {OUTPUT_DIR} from '../core/naming.js'
import {isCacheableEnv} from '../core/render-cache.js'
import {trace} from './trace.js'

export type {CacheStore} from '../app/ports.js'

/** Create the folder; when it is .berth, make sure it ignores itself in git. */
export function ensureOutputDir(dir: string): void {
  mkdirSync(dir, {recursive: true})
  if (path.basename(dir) !== OUTPUT_DIR) return
  try {
    readFileSync(path.join(dir, '.gitignore'))
  } catch {
    writeFileSync(path.join(dir, '.gitignore'), '# berth writes generated files here\n*\n')
  }
}

export function cacheFile(root: string, env: string): string | undefined {
  return isCacheableEnv(env) ? path.join(root, OUTPUT_DIR, 'cache', `${env}.json`) : undefined
}

export const fsCacheStore: CacheStore = {
  read(root, env) {
    const file = cacheFile(root, env)
    if (!file) return undefined
    try {
      return readFileSync(file, 'utf8')
    } catch {
      return undefined
    }
  },
  write(root, env, text) {
    const file = cacheFile(root, env)
    if (!file) return
    const tmp = `${file}.${process.pid}.tmp`
    try {
      ensureOutputDir(path.join(root, OUTPUT_DIR))
      mkdirSync(path.dirname(file), {recursive: true})
      writeFileSync(tmp, text)
      renameSync(tmp, file)
    } catch (error) {
      trace(`render cache not written: ${(error as Error).message}`)
      try {
        unlinkSync(tmp)
      } catch {
        // never created
      }
    }
  },
}
