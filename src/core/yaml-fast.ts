/**
 * A fast reader for the plain subset of YAML that berth.yml files are mostly written in: block mappings
 * and lists, one-line plain or quoted scalars, comments. It gives the same value as the `yaml` library
 * (YAML 1.2 core schema) or gives up (undefined) on anything else: flow collections other than [] and {},
 * anchors, aliases, tags, block and multi-line scalars, escapes, numbers other than short decimal integers,
 * tabs, CR, documents markers, duplicate keys, and every indentation the library would not read the same.
 * Giving up is never an error: the caller parses with the library then (with positions for its errors).
 * Linear in the text: one pass over its lines.
 */

interface Line {
  /** Column of the first character. */
  ind: number
  text: string
  /** Indent of the next non-blank line, comments included (-1: none): a more indented one continues a scalar. */
  next: number
}

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp()
}

/** Characters the fast path does not read: controls (but \n), DEL, BOM, tabs, CR, and line/paragraph separators. */
const UNREAD = /[\x00-\x09\x0b-\x1f\x7f\ufeff\u2028\u2029\x85]/

/** A plain scalar read as a string: starts with a letter, "_", "/" or "$"; the rest is checked for ": " and " #". */
const STRING_START = /^[A-Za-z_/$]/
const NULLS = new Set(['~', 'null', 'Null', 'NULL'])
const BOOLS = new Map([
  ['true', true],
  ['True', true],
  ['TRUE', true],
  ['false', false],
  ['False', false],
  ['FALSE', false],
])
const DEC_INT = /^[-+]?[0-9]{1,15}$/
/** Keys read as strings by the library: a letter or "_" first, no ":", "#" or space. */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/
/** Decimal integer keys the library turns back into the same text ("007" would become "7"). */
const INT_KEY = /^(?:0|[1-9][0-9]{0,14})$/

export function parseFastYaml(text: string): {value: unknown} | undefined {
  if (UNREAD.test(text)) return undefined
  const raw = text.split('\n')
  const lines: Line[] = []
  let last: Line | undefined
  for (const r of raw) {
    let ind = 0
    while (ind < r.length && r.charCodeAt(ind) === 32) ind++
    if (ind === r.length) continue // blank
    if (last) last.next = ind
    if (ind === 0 && (r.startsWith('---') || r.startsWith('...') || r[0] === '%')) return undefined
    if (r[ind] === '#') {
      // A comment line: the "next" line of the content line before it (see Line.next), and nothing else.
      last = undefined
      continue
    }
    last = {ind, text: r.slice(ind).trimEnd(), next: -1}
    lines.push(last)
  }
  if (lines.length === 0 || lines[0].ind !== 0) return undefined
  try {
    const state = {lines, i: 0}
    const value = block(state, 0)
    if (state.i !== lines.length) return undefined
    return {value}
  } catch (error) {
    if (error instanceof GiveUp) return undefined
    throw error
  }
}

interface State {
  lines: Line[]
  i: number
}

/** A mapping or list whose lines start at column `ind` (the current line is its first). */
function block(st: State, ind: number): unknown {
  const first = st.lines[st.i]
  return isItem(first.text) ? list(st, ind) : mapping(st, ind)
}

const isItem = (t: string) => t === '-' || t.startsWith('- ')

function list(st: State, ind: number): unknown[] {
  const out: unknown[] = []
  while (st.i < st.lines.length) {
    const line = st.lines[st.i]
    if (line.ind < ind) break
    if (line.ind > ind) giveUp()
    if (!isItem(line.text)) break
    if (line.text === '-') {
      st.i++
      out.push(nested(st, ind, false))
      continue
    }
    let col = 1
    while (line.text.charCodeAt(col) === 32) col++
    const rest = line.text.slice(col)
    if (rest[0] === '#') giveUp()
    if (isItem(rest) || entryKey(rest) !== undefined) {
      // "- key: value" or "- - x": a block starting on this line, at the column after the dash.
      st.lines[st.i] = {ind: line.ind + col, text: rest, next: line.next}
      out.push(block(st, line.ind + col))
    } else {
      st.i++
      out.push(scalar(rest, line, ind))
    }
  }
  return out
}

function mapping(st: State, ind: number): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  while (st.i < st.lines.length) {
    const line = st.lines[st.i]
    if (line.ind < ind) break
    if (line.ind > ind) giveUp()
    if (isItem(line.text)) break
    const entry = entryKey(line.text)
    if (entry === undefined) giveUp()
    const [key, rest] = entry as [string, string]
    if (Object.prototype.hasOwnProperty.call(out, key)) giveUp()
    st.i++
    out[key] = rest === '' ? nested(st, ind, true) : scalar(rest, line, ind)
  }
  return out
}

/** The value of "key:" or "-" with nothing after it: a block on the next lines, or null. */
function nested(st: State, ind: number, inMapping: boolean): unknown {
  const next = st.lines[st.i]
  if (!next) return null
  if (next.ind > ind) return block(st, next.ind)
  // A list may sit at its key's own column.
  if (inMapping && next.ind === ind && isItem(next.text)) return list(st, ind)
  return null
}

/** A line's key and what follows ": " (or "" for a key alone); undefined if the line is no mapping entry. */
function entryKey(t: string): [string, string] | undefined {
  let key: string
  let after: number
  const q = t[0]
  if (q === '"' || q === "'") {
    const end = quotedEnd(t, 0)
    if (end < 0 || t[end] !== ':') return undefined
    key = quoted(t.slice(0, end))
    after = end + 1
  } else {
    const colon = t.indexOf(':')
    if (colon < 0 || (colon + 1 < t.length && t[colon + 1] !== ' ')) {
      // No ": " at the first colon: a scalar (a URL), or something else; only a key with no colon is read here.
      return t.includes(': ') || t.endsWith(':') ? giveUp() : undefined
    }
    const text = t.slice(0, colon)
    if (PLAIN_KEY.test(text)) {
      if (NULLS.has(text) || BOOLS.has(text) || text === '__proto__') giveUp()
      key = text
    } else if (INT_KEY.test(text)) key = text
    else return giveUp()
    after = colon + 1
  }
  if (key.length > 1000) giveUp()
  if (after === t.length) return [key, '']
  if (t[after] !== ' ') giveUp()
  const rest = t.slice(after).trimStart()
  return [key, rest[0] === '#' ? '' : rest]
}

/** Index just past a one-line quoted scalar starting at `at`, or -1 (not closed on the line, or an escape). */
function quotedEnd(t: string, at: number): number {
  const q = t[at]
  for (let i = at + 1; i < t.length; i++) {
    const c = t[i]
    if (q === '"' && c === '\\') return -1
    if (c === q) {
      if (q === "'" && t[i + 1] === "'") {
        i++
        continue
      }
      return i + 1
    }
  }
  return -1
}

function quoted(t: string): string {
  const body = t.slice(1, -1)
  return t[0] === "'" ? body.replace(/''/g, "'") : body
}

/** A one-line scalar after "key: " or "- ", ending its entry: the next line must not be more indented than `owner`. */
function scalar(t: string, line: Line, owner: number): unknown {
  if (line.next > owner) giveUp()
  const q = t[0]
  if (q === '"' || q === "'") {
    const end = quotedEnd(t, 0)
    if (end < 0) giveUp()
    const tail = t.slice(end)
    if (tail !== '' && !/^ +#/.test(tail)) giveUp()
    return quoted(t.slice(0, end))
  }
  const hash = t.indexOf(' #')
  const plain = hash < 0 ? t : t.slice(0, hash).trimEnd()
  if (plain === '[]') return []
  if (plain === '{}') return {}
  if (NULLS.has(plain)) return null
  const bool = BOOLS.get(plain)
  if (bool !== undefined) return bool
  if (DEC_INT.test(plain)) {
    // As the library's core schema reads it (a sign, then parseInt; "-0" is -0).
    const n = parseInt(plain.replace(/^[-+]/, ''), 10)
    return plain[0] === '-' ? -1 * n : n
  }
  if (!STRING_START.test(plain) || plain.includes(': ') || plain.endsWith(':')) giveUp()
  return plain
}
