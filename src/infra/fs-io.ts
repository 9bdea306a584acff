import {createHash} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
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
