/**
 * `berth init --from FILE`: a Compose file imported into a berth.yml. A stub until the import lands: the
 * contract below is what `berth init` (src/app/init.ts) calls.
 */
import {BerthError, ExitCode} from '../../core/errors.js'

export interface ImportOptions {
  root: string
  file: string
  shared?: string[]
  name?: string
}

export interface ImportResult {
  /** The berth.yml text to write (commented, validated by the importer). */
  yaml: string
  /** Lines for the user: what became what, and what was kept verbatim under compose: and why. */
  summary: string[]
}

export interface ImportIO {
  exists(absPath: string): boolean
  read(absPath: string): string | undefined
}

export function importCompose(_options: ImportOptions, _io: ImportIO): ImportResult {
  throw new BerthError('berth init --from is not available yet', {exitCode: ExitCode.USAGE, hints: ['Run berth init without --from: it reads package.json and the Dockerfile.']})
}
