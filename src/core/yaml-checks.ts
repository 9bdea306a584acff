/**
 * What berth checks on a parsed YAML document itself, in one linear walk, before turning it into values:
 * duplicate keys (a Set per mapping, instead of the `yaml` library's scan of the mapping for every key),
 * aliases that name no anchor or their own node, and aliases that expand to too much (a "billion laughs").
 * Also the short messages for the `yaml` library's own errors.
 */
import {isAlias, isCollection, isMap, isPair, isScalar, isSeq, visit, type Document, type ErrorCode, type Node, type YAMLError} from 'yaml'
import {ConfigError, type SourcePos} from './errors.js'

/** Aliases may expand a document by this many nodes at least (more for a bigger file: one per character). */
export const MIN_ALIAS_EXPANSION = 100_000

/** A short message for each of the `yaml` library's error codes; its own text otherwise. */
const MESSAGES: Partial<Record<ErrorCode, string>> = {
  BAD_INDENT: 'bad indentation',
  TAB_AS_INDENT: 'a tab used for indentation (YAML indents with spaces)',
  MISSING_CHAR: 'missing closing character',
  MULTIPLE_DOCS: 'several YAML documents in one file (only one is read; remove the "---" or "..." separators)',
  DUPLICATE_KEY: 'duplicate key',
  BLOCK_AS_IMPLICIT_KEY: 'a nested block cannot be a key (is a ":" missing, or the indentation wrong?)',
  MULTILINE_IMPLICIT_KEY: 'a key cannot span several lines (is a ":" missing, or a quote not closed?)',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_SCALAR_START: 'a plain value cannot start with this character (quote it)',
  BLOCK_IN_FLOW: 'a block inside a flow collection ([...] or {...})',
  MULTIPLE_ANCHORS: 'a node with several anchors',
  MULTIPLE_TAGS: 'a node with several tags',
  BAD_ALIAS: 'invalid alias',
  ALIAS_PROPS: 'an alias cannot have an anchor or a tag',
  TAG_RESOLVE_FAILED: 'a value that does not match its tag',
  RESOURCE_EXHAUSTION: 'too many aliases expanded',
}

export function yamlErrorMessage(code: ErrorCode, message: string): string {
  if (/^Missing closing .?quote/.test(message)) return `a quoted string is not closed (missing ${message.includes("'") ? "'" : '"'})`
  if (/^Flow (sequence|map)/.test(message)) return `a flow ${message.startsWith('Flow map') ? '{mapping}' : '[list]'} is not closed, or its lines are not indented enough`
  const known = MESSAGES[code]
  if (known) return known
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')
}

/**
 * Where to point for a library error: an unclosed quoted string or flow collection is reported where the
 * file ends; the user wants where it opens (the innermost such node around the error). Runs only on errors.
 */
export function yamlErrorOffset(doc: Document, error: YAMLError): number {
  const at = error.pos[0]
  const unclosed = error.code === 'MISSING_CHAR' || /^Flow (sequence|map)/.test(error.message)
  if (!unclosed) return at
  let best = at
  visit(doc, (_key, node) => {
    const range = (node as Node).range
    if (!range || range[0] >= at || range[2] < at) return
    const quoted = isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE')
    if (quoted || (isCollection(node) && node.flow)) best = range[0]
  })
  return best
}

interface Walk {
  posAt(offset: number): SourcePos
  /** The latest node seen with each anchor, in document order (as the `yaml` library resolves them). */
  anchors: Map<string, Node>
  /** Nodes each anchored node stands for once its aliases are expanded; -1 while being walked. */
  sizes: Map<Node, number>
  /** What each alias refers to. */
  targets: Map<Node, Node>
  /** Nodes added by aliases so far, and how many they may add. */
  expanded: number
  limit: number
}

function errorAt(walk: Walk, node: {range?: [number, number, number] | null}, message: string, hints?: string[]): ConfigError {
  return new ConfigError(`invalid YAML: ${message}`, walk.posAt(node.range?.[0] ?? 0), hints ? {hints} : {})
}

function keyText(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value)
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)
}

function aliasSize(walk: Walk, alias: Node & {source: string}): number {
  const target = walk.anchors.get(alias.source)
  if (!target) throw errorAt(walk, alias, `unknown alias *${alias.source}: no anchor &${alias.source} before it`)
  const size = walk.sizes.get(target) ?? 1
  if (size < 0) throw errorAt(walk, alias, `alias *${alias.source} is inside the node it refers to (a loop)`)
  walk.targets.set(alias, target)
  walk.expanded += size
  if (walk.expanded > walk.limit) {
    throw errorAt(walk, alias, `too many aliases expanded: aliases here and before would add more than ${walk.limit.toLocaleString('en-US')} values (a "billion laughs")`, [
      'Use fewer or smaller anchors and aliases (*name); berth refuses a file that expands to many times its size.',
    ])
  }
  return size
}

function mapSize(walk: Walk, map: Node & {items: unknown[]}): number {
  // Keys compared as the text they become in JavaScript: `1` and `"1"` would be one property.
  const seen = new Map<string, Node>()
  let size = 1
  for (const pair of map.items) {
    if (!isPair(pair)) continue
    const key = pair.key as Node | null
    if (isScalar(key)) {
      const id = String(key.value)
      const first = seen.get(id)
      if (first) {
        const line = walk.posAt(first.range?.[0] ?? 0).line
        throw errorAt(walk, key, `duplicate key ${keyText(key.value)} (first at line ${line})`)
      }
      seen.set(id, key)
    }
    size += nodeSize(walk, key) + nodeSize(walk, pair.value as Node | null)
  }
  return size
}

/** How many values a node stands for with its aliases expanded; checks its mappings' keys on the way. */
function nodeSize(walk: Walk, node: Node | null): number {
  if (!node) return 1
  if (isAlias(node)) return aliasSize(walk, node)
  const anchor = node.anchor
  if (anchor) {
    walk.anchors.set(anchor, node)
    walk.sizes.set(node, -1)
  }
  let size = 1
  if (isMap(node)) size = mapSize(walk, node)
  else if (isSeq(node)) for (const item of node.items) size += nodeSize(walk, item as Node | null)
  if (anchor) walk.sizes.set(node, size)
  return size
}

/**
 * Check a parsed document in one pass (linear in its size): throws a ConfigError at the first duplicate key,
 * unknown or looping alias, or the alias from which expanding aliases would add more than `limit` values.
 * Returns what each alias refers to.
 */
export function checkDocument(doc: Document, posAt: (offset: number) => SourcePos, limit: number): Map<Node, Node> {
  const walk: Walk = {posAt, anchors: new Map(), sizes: new Map(), targets: new Map(), expanded: 0, limit}
  nodeSize(walk, doc.contents as Node | null)
  return walk.targets
}

/**
 * The library's Alias.resolve looks for its anchor by scanning every anchor and alias before it: quadratic
 * in the number of aliases (10,000 aliases took 16 s). checkDocument found each target already; each alias
 * is given it (the same node the library would find: the latest one with that anchor before the alias).
 */
export function fixAliasTargets(targets: Map<Node, Node>): void {
  for (const [alias, target] of targets) Object.defineProperty(alias, 'resolve', {value: () => target, configurable: true})
}
