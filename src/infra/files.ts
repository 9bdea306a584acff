/** The files port on the real disk: project reads, generated files (atomic), the user's files. */
import {buildContextDigest} from './build-context.js'
import {mkdirSync, readFileSync, renameSync, writeFileSync, existsSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {FilesPort} from '../app/ports.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {ensureOutputDir} from './cache-store.js'
import {fsProjectIO} from './fs-io.js'

/** ~/.config/berth/config.yml, or $BERTH_CONFIG, or under $XDG_CONFIG_HOME. */
export function userConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_CONFIG) return env.BERTH_CONFIG
  const base = env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config')
  return path.join(base, 'berth', 'config.yml')
}

/** Write atomically (temp file + rename) and only when the content changed. */
export function writeGenerated(file: string, text: string): boolean {
  try {
    return writeAtomically(file, text)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new BerthError(`cannot write ${file} (${code}): berth keeps its generated files there`, {
      exitCode: ExitCode.PREFLIGHT,
      hints: [`Make ${path.dirname(file)} writable (is the project folder read-only?), or print the file instead: berth render --stdout`],
      cause: error,
    })
  }
}

function writeAtomically(file: string, text: string): boolean {
  ensureOutputDir(path.dirname(file))
  try {
    if (readFileSync(file, 'utf8') === text) return false
  } catch {
    // not there yet
  }
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, file)
  return true
}

export function diskFiles(env: NodeJS.ProcessEnv = process.env): FilesPort {
  return {
    project: fsProjectIO,
    userConfigFile: userConfigPath(env),
    writeGenerated,
    readOptional(file) {
      try {
        return readFileSync(file, 'utf8')
      } catch {
        return undefined
      }
    },
    writeFile(file, text) {
      mkdirSync(path.dirname(file), {recursive: true})
      writeFileSync(file, text)
    },
    exists: (file) => existsSync(file),
    buildContextDigest,
  }
}
