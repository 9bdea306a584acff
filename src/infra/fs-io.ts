import {createHash} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import type {ProjectIO} from '../core/inputs.js'
import type {RenderIO} from '../core/render.js'

export const fsRenderIO: RenderIO = {
  exists: (p) => existsSync(p),
  hashFiles(paths) {
    const hash = createHash('sha256')
    for (const p of paths) {
      hash.update(p.split('/').pop() ?? p).update('\0')
      try {
        hash.update(readFileSync(p))
      } catch {
        hash.update('\0missing\0')
      }
      hash.update('\0')
    }
    return hash.digest('hex')
  },
}

/** Everything loading and rendering a project reads, from the real disk. */
export const fsProjectIO: ProjectIO = {
  ...fsRenderIO,
  readText: (p) => readFileSync(p, 'utf8'),
  listDir: (p) => readdirSync(p),
}
