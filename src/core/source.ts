/**
 * YAML parsed with source positions, so that any error can name file:line:column.
 */
import {Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Node} from 'yaml'
import {ConfigError, type SourcePos} from './errors.js'
import {checkDocument, fixAliasTargets, MIN_ALIAS_EXPANSION, yamlErrorMessage, yamlErrorOffset} from './yaml-checks.js'
import {parseFastYaml} from './yaml-fast.js'
import type {PathSegment} from './yaml-path.js'

export {formatPath, type PathSegment} from './yaml-path.js'

export interface SourceDoc {
  /** The file name as shown to the user (relative to the project when possible). */
  file: string
  doc: Document
  /** The plain JavaScript value of the document. */
  value: unknown
  /** Where the node at a path starts; falls back to the nearest existing parent. */
  locate(path: readonly PathSegment[]): SourcePos
  /** Where the key of the pair at a path starts (for "unknown key" errors). */
  locateKey(path: readonly PathSegment[]): SourcePos
}

/** The document's plain value; any failure of the library here becomes a ConfigError at the document. */
function toValue(doc: Document, rootPos: () => SourcePos): unknown {
  try {
    // checkDocument bounded what aliases expand to; the library's own count would be a second, other limit.
    return doc.toJS({maxAliasCount: -1})
  } catch (error) {
    throw new ConfigError(`invalid YAML: ${(error as Error).message.split('\n')[0]}`, rootPos(), {cause: error})
  }
}

/**
 * A file read by the fast reader when it can (yaml-fast.ts: the plain subset most berth.yml files are in,
 * the same value as the library's), else by the `yaml` library with positions. Positions are needed only to
 * report a problem (locate, locateKey): the library parses the text then, once, on the first call.
 */
export function parseYamlSource(text: string, file: string): SourceDoc {
  const fast = parseFastYaml(text)
  if (!fast) return parseWithPositions(text, file)
  let full: SourceDoc | undefined
  const positions = () => (full ??= parseWithPositions(text, file))
  return {
    file,
    get doc() {
      return positions().doc
    },
    value: fast.value,
    locate: (path) => positions().locate(path),
    locateKey: (path) => positions().locateKey(path),
  }
}

function parseWithPositions(text: string, file: string): SourceDoc {
  const lineCounter = new LineCounter()
  // The library's duplicate-key check scans a mapping for every key (quadratic): checkDocument has its own.
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: false})
  const posAt = (offset: number): SourcePos => {
    const {line, col} = lineCounter.linePos(offset)
    return {file, line, col}
  }

  const firstError = doc.errors[0]
  if (firstError) throw new ConfigError(`invalid YAML: ${yamlErrorMessage(firstError.code, firstError.message)}`, posAt(yamlErrorOffset(doc, firstError)))
  fixAliasTargets(checkDocument(doc, posAt, Math.max(MIN_ALIAS_EXPANSION, text.length)))

  const nodeAt = (path: readonly PathSegment[]): {node: Node | undefined; key?: Node} => {
    let current: unknown = doc.contents
    let key: Node | undefined
    for (const segment of path) {
      if (isMap(current)) {
        const pair = current.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(segment))
        if (!pair) return {node: current as Node, key}
        key = isNode(pair.key) ? pair.key : undefined
        current = pair.value
      } else if (isSeq(current) && typeof segment === 'number') {
        const item = current.items[segment]
        if (!item) return {node: current as Node, key}
        key = undefined
        current = item
      } else {
        break
      }
    }
    return {node: isNode(current) ? current : undefined, key}
  }

  const rootPos = (): SourcePos => posAt(doc.contents?.range?.[0] ?? 0)

  return {
    file,
    doc,
    value: toValue(doc, rootPos),
    locate(path) {
      const {node} = nodeAt(path)
      return node?.range ? posAt(node.range[0]) : rootPos()
    },
    locateKey(path) {
      const {node, key} = nodeAt(path)
      if (key?.range) return posAt(key.range[0])
      return node?.range ? posAt(node.range[0]) : rootPos()
    },
  }
}
