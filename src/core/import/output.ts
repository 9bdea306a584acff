/**
 * The imported stack as berth.yml text: built with the `yaml` Document API (never from string templates),
 * keys in the README's order, a header naming the Compose file and the date, and a comment on each
 * `compose:` saying what was kept verbatim and why.
 */
import {Document, isMap, isScalar, type Pair, type YAMLMap} from 'yaml'
import type {ServiceSpec, StackFile} from '../model.js'
import type {KeptComment} from './stack.js'

const SERVICE_ORDER: Array<keyof ServiceSpec> = ['template', 'image', 'build', 'source', 'port', 'host_port', 'ports', 'command', 'env', 'env_file', 'depends_on', 'volumes', 'mounts', 'params', 'compose']

function ordered(spec: ServiceSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of SERVICE_ORDER) if (spec[key] !== undefined) out[key] = spec[key]
  for (const [k, v] of Object.entries(spec)) if (!(k in out)) out[k] = v
  return out
}

export interface StackYamlOptions {
  /** The Compose file(s) as shown to the user. */
  from: string[]
  /** YYYY-MM-DD */
  date: string
  comments: KeptComment[]
}

export function stackYaml(stack: StackFile, o: StackYamlOptions): string {
  const plain: Record<string, unknown> = {name: stack.name, services: Object.fromEntries(Object.entries(stack.services).map(([n, s]) => [n, ordered(s)]))}
  if (stack.environments) plain.environments = stack.environments
  if (stack.compose) plain.compose = stack.compose
  const doc = new Document(plain, {aliasDuplicateObjects: false})
  doc.commentBefore = [
    ` berth.yml imported by \`berth init --from\` from ${o.from.join(' + ')} on ${o.date}.`,
    ' Check it, then run: berth render --check && berth up',
    ' What could not be mapped onto berth keys is kept verbatim under compose: (see the comments there).',
  ].join('\n')
  for (const c of o.comments) {
    const pair = pairAt(doc, c.path)
    if (pair && isScalar(pair.key)) pair.key.commentBefore = c.text
  }
  return doc.toString({lineWidth: 0})
}

function pairAt(doc: Document, path: string[]): Pair | undefined {
  let map: unknown = doc.contents
  let pair: Pair | undefined
  for (const segment of path) {
    if (!isMap(map)) return undefined
    pair = (map as YAMLMap).items.find((p) => isScalar(p.key) && p.key.value === segment) as Pair | undefined
    if (!pair) return undefined
    map = pair.value
  }
  return pair
}
