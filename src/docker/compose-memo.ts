/**
 * Remembers which Compose v2 the docker CLI answered with, so the next berth command does not start
 * `docker compose version` again (~0.1 s of a Go binary on every command). The answer is kept with a
 * fingerprint of everything that decides it: where `docker` is on PATH and that file, every Compose CLI
 * plugin file the docker CLI looks for, its config file and DOCKER_CONFIG. Any change (an upgrade, a
 * plugin removed, another `docker` first on PATH) misses, and the CLI is asked again.
 * Stored in berth's state folder (compose.json); losing it costs one question.
 */
import {createHash} from 'node:crypto'
import {accessSync, constants, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type {VersionMemo} from './compose.js'
import {stateDir} from '../infra/state.js'

const PLUGIN_DIRS = ['/usr/local/lib/docker/cli-plugins', '/usr/local/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins', '/usr/libexec/docker/cli-plugins']

/** The file a command name runs: itself when it has a slash, else the first executable on PATH. */
export function whichExecutable(command: string, env: NodeJS.ProcessEnv): string | undefined {
  const candidates = command.includes('/') ? [path.resolve(command)] : (env.PATH ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, command))
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK)
      if (statSync(file).isFile()) return file
    } catch {
      // not here
    }
  }
  return undefined
}

function signature(file: string): string {
  try {
    const s = statSync(file)
    return `${file}:${s.ino}:${s.size}:${s.mtimeMs}`
  } catch {
    return `${file}:-`
  }
}

/** What decides `docker compose version`'s answer; undefined when `docker` is not found (then always ask). */
export function composeFingerprint(docker: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const exe = whichExecutable(docker, env)
  if (!exe) return undefined
  const config = env.DOCKER_CONFIG || path.join(os.homedir(), '.docker')
  const files = [exe, path.join(config, 'config.json'), ...[path.join(config, 'cli-plugins'), ...PLUGIN_DIRS].map((dir) => path.join(dir, 'docker-compose'))]
  const hash = createHash('sha256').update(`DOCKER_CONFIG=${env.DOCKER_CONFIG ?? ''}\n`)
  for (const file of files) hash.update(signature(file)).update('\n')
  return hash.digest('hex')
}

/** The memo in berth's state folder. */
export function fileVersionMemo(env: NodeJS.ProcessEnv = process.env): VersionMemo {
  const file = path.join(stateDir(env), 'compose.json')
  return {
    get(fingerprint) {
      try {
        const saved = JSON.parse(readFileSync(file, 'utf8')) as {fingerprint?: string; version?: string}
        return saved.fingerprint === fingerprint && typeof saved.version === 'string' ? saved.version : undefined
      } catch {
        return undefined
      }
    },
    set(fingerprint, version) {
      try {
        mkdirSync(path.dirname(file), {recursive: true})
        const tmp = `${file}.${process.pid}.tmp`
        writeFileSync(tmp, JSON.stringify({fingerprint, version}) + '\n')
        renameSync(tmp, file)
      } catch {
        // a read-only state folder: ask again next time
      }
    },
  }
}
