/**
 * A digest of what a build sends: every file of the build context that its `.dockerignore` lets through
 * (path, kind, executable bit, content; a symlink by its target) and the Dockerfile's own text. The same
 * tree gives the same digest; any edit, new or removed file changes it.
 */
import {createHash} from 'node:crypto'
import {lstatSync, readdirSync, readFileSync, readlinkSync} from 'node:fs'
import path from 'node:path'
import {parseDockerIgnore, type DockerIgnore} from '../core/dockerignore.js'

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function walk(root: string, rel: string, ignore: DockerIgnore, hash: ReturnType<typeof createHash>): void {
  let entries: string[]
  try {
    entries = readdirSync(path.join(root, rel)).sort()
  } catch {
    hash.update(`unreadable\0${rel}\0`)
    return
  }
  for (const name of entries) {
    const relPath = rel ? `${rel}/${name}` : name
    const abs = path.join(root, relPath)
    let st
    try {
      st = lstatSync(abs)
    } catch {
      continue
    }
    if (st.isDirectory()) {
      if (ignore.skipsFolder(relPath)) continue
      walk(root, relPath, ignore, hash)
      continue
    }
    if (ignore.ignores(relPath)) continue
    if (st.isSymbolicLink()) hash.update(`l\0${relPath}\0${readlinkSync(abs)}\0`)
    else if (st.isFile()) {
      hash.update(`f\0${relPath}\0${st.mode & 0o111 ? 'x' : '-'}\0${st.size}\0`)
      try {
        hash.update(readFileSync(abs))
      } catch {
        hash.update('\0unreadable\0')
      }
      hash.update('\0')
    }
  }
}

/** The digest of a build: its context (as .dockerignore filters it) and its Dockerfile. */
export function buildContextDigest(context: string, dockerfile: string): string {
  const hash = createHash('sha256')
  hash.update(`dockerfile\0${readOptional(dockerfile) ?? '\0missing'}\0`)
  hash.update(`dockerignore\0${readOptional(path.join(context, '.dockerignore')) ?? ''}\0`)
  walk(context, '', parseDockerIgnore(readOptional(path.join(context, '.dockerignore'))), hash)
  return hash.digest('hex')
}
