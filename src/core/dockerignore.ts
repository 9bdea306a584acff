/**
 * A `.dockerignore` as the builder reads it, to tell which files of a build context go into a build:
 * one pattern a line (`#` comments), `*` and `?` within a path segment, `**` across segments, `!` for an
 * exception, the last matching line wins, and a folder that matches takes everything under it along.
 * Pure: the text is handed in.
 */

interface Rule {
  exclude: boolean
  re: RegExp
}

function toRegExp(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        // `**/` matches any number of folders (none included); `**` at the end matches anything
        const slash = pattern[i + 2] === '/'
        re += slash ? '(?:.*/)?' : '.*'
        i += slash ? 2 : 1
      } else re += '[^/]*'
    } else if (c === '?') re += '[^/]'
    else if (c === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  // a match of a folder covers what is under it
  return new RegExp(`^${re}(?:/.*)?$`)
}

function clean(p: string): string {
  const parts: string[] = []
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..') parts.pop()
    else parts.push(seg)
  }
  return parts.join('/')
}

export interface DockerIgnore {
  /** Whether the path (relative to the context, "/" separated) is left out of the build context. */
  ignores(relPath: string): boolean
  /** Whether a folder can be skipped whole (it is ignored and no exception can bring anything under it back). */
  skipsFolder(relPath: string): boolean
}

export function parseDockerIgnore(text: string | undefined): DockerIgnore {
  const rules: Rule[] = []
  for (const raw of (text ?? '').split(/\r?\n/)) {
    let line = raw.trim()
    if (!line || line.startsWith('#')) continue
    const exclude = !line.startsWith('!')
    if (!exclude) line = line.slice(1).trim()
    const pattern = clean(line)
    if (!pattern) continue
    rules.push({exclude, re: toRegExp(pattern)})
  }
  const hasExceptions = rules.some((r) => !r.exclude)
  const ignores = (relPath: string): boolean => {
    const p = clean(relPath)
    let out = false
    for (const r of rules) if (r.re.test(p)) out = r.exclude
    return out
  }
  return {ignores, skipsFolder: (relPath) => !hasExceptions && ignores(relPath)}
}
