/**
 * What berth reads from a Dockerfile's text at render: its build stages (`FROM image [AS name]`) and the user
 * each stage runs as (its last `USER`, or the one of the stage it starts from). Pure: the text is handed in.
 * Line continuations (`\` or the escape parser directive's character), comments and any case are understood;
 * a heredoc's body is skipped.
 */

export interface DockerfileStage {
  /** Position among the stages, from 0. */
  index: number
  /** The stage's name (`AS name`, lowercased as BuildKit does), if it has one. */
  name?: string
  /** The image or earlier stage it starts from, as written. */
  from: string
  /** 1-based line of its FROM. */
  line: number
  /** The last USER of the stage itself, if any. */
  user?: string
}

/** A valid build stage name (BuildKit's rule, after lowercasing). */
export const STAGE_NAME = /^[a-z][a-z0-9_.-]*$/

interface Instruction {
  keyword: string
  args: string
  line: number
}

function escapeChar(lines: string[]): string {
  for (const raw of lines) {
    const m = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(raw.trim())
    if (!m) break // parser directives come first, before any comment or instruction
    if (m[1].toLowerCase() === 'escape' && (m[2] === '`' || m[2] === '\\')) return m[2]
  }
  return '\\'
}

/** Instructions with their continuation lines joined (comments inside a continuation dropped). */
function instructions(text: string): Instruction[] {
  const lines = text.split(/\r?\n/)
  const escape = escapeChar(lines)
  const out: Instruction[] = []
  let current: Instruction | undefined
  let heredoc: string | undefined
  lines.forEach((raw, i) => {
    if (heredoc !== undefined) {
      if (raw.trim() === heredoc) heredoc = undefined
      return
    }
    const trimmed = raw.trim()
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return
    if (current && trimmed.startsWith('#')) return
    const continued = trimmed.endsWith(escape)
    const body = continued ? trimmed.slice(0, -1) : trimmed
    if (!current) {
      const m = /^(\S+)\s*(.*)$/.exec(body)
      current = {keyword: (m?.[1] ?? '').toUpperCase(), args: m?.[2] ?? '', line: i + 1}
    } else {
      current.args = `${current.args} ${body}`.trim()
    }
    if (!continued) {
      const marker = /<<-?["']?([A-Za-z0-9_]+)["']?/.exec(current.args)
      if (marker && (current.keyword === 'RUN' || current.keyword === 'COPY' || current.keyword === 'ADD')) heredoc = marker[1]
      out.push(current)
      current = undefined
    }
  })
  if (current) out.push(current)
  return out
}

/** The stages of a Dockerfile, in order. */
export function dockerfileStages(text: string): DockerfileStage[] {
  const stages: DockerfileStage[] = []
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => w && !w.startsWith('--'))
      const as = words.findIndex((w) => w.toLowerCase() === 'as')
      const name = as >= 0 ? words[as + 1]?.toLowerCase() : undefined
      stages.push({index: stages.length, from: words[0] ?? '', line: ins.line, ...(name ? {name} : {})})
    } else if (ins.keyword === 'USER' && stages.length > 0) {
      const user = ins.args.trim()
      if (user) stages[stages.length - 1].user = user
    }
  }
  return stages
}

/** The stage a build of `target` ends at (the last one without a target); undefined when there is no such stage. */
export function targetStage(stages: DockerfileStage[], target?: string): DockerfileStage | undefined {
  if (target === undefined) return stages.at(-1)
  return stages.find((s) => s.name === target.toLowerCase())
}

/**
 * The user a stage runs as, as far as the text tells: its own last USER, else that of the earlier stage it
 * starts FROM (by name or index). undefined: the text declares none (the base image's, often root).
 */
export function stageUser(stages: DockerfileStage[], stage: DockerfileStage): string | undefined {
  const seen = new Set<number>()
  let s: DockerfileStage | undefined = stage
  while (s && !seen.has(s.index)) {
    if (s.user) return s.user
    seen.add(s.index)
    const from = s.from.toLowerCase()
    const before = stages.slice(0, s.index)
    s = before.find((p) => p.name === from) ?? (/^\d+$/.test(from) ? before[Number(from)] : undefined)
  }
  return undefined
}

/** Whether a USER value means root (name or uid 0, with or without a group). */
export function isRootUser(user: string): boolean {
  const name = user.split(':')[0].trim()
  return name === 'root' || name === '0'
}
