/** The files port on the real disk: project reads, generated files (atomic), the user's files. */
import {existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {FilesPort} from '../app/ports.js'
import type {RepoIO} from '../core/init/detect.js'
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

/** A repository on disk, for berth init's detection: listings with types, texts (undefined when unreadable). */
export const diskRepo: RepoIO = {
  list(dir) {
    try {
      return readdirSync(dir, {withFileTypes: true}).map((e) => ({name: e.name, dir: e.isDirectory()}))
    } catch {
      return undefined
    }
  },
  read(file) {
    try {
      return readFileSync(file, 'utf8')
    } catch {
      return undefined
    }
  },
}

/**
 * A user's file written atomically: a temp file beside it, then renamed over it (overwrite) or hard-linked in
 * (link fails when the file exists, so another writer's file is never replaced). The temp file always goes.
 */
export function writeNew(file: string, text: string, overwrite: boolean): 'written' | 'exists' {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`)
  try {
    writeFileSync(tmp, text)
    if (overwrite) renameSync(tmp, file)
    else linkSync(tmp, file)
    return 'written'
  } catch (error) {
    // Only linking can fail with EEXIST (the temp file is written over): the file is there.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST' && !overwrite) return 'exists'
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    throw new BerthError(`cannot write ${file} (${code})`, {exitCode: ExitCode.PREFLIGHT, hints: [`Make ${path.dirname(file)} writable, then run the command again.`], cause: error})
  } finally {
    rmSync(tmp, {force: true})
  }
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
    repo: diskRepo,
    writeNew,
  }
}
