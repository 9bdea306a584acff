import {Document, parseDocument, type Node, type Scalar, type YAMLMap, type YAMLSeq} from 'yaml'
import {describe, expect, it} from 'vitest'
import {parseYamlSource} from '../../src/core/source.js'
import {thrown} from './helpers.js'

/** A "billion laughs": each level a list of `width` aliases to the level before, built as a YAML document. */
function aliasBomb(levels: number, width = 10, under?: string[]): string {
  const doc = new Document({})
  const anchors: Node[] = []
  let previous: Scalar | YAMLSeq = doc.createNode('lol')
  previous.anchor = 'l0'
  anchors.push(previous)
  for (let i = 1; i <= levels; i++) {
    const node = doc.createNode([]) as YAMLSeq
    for (let j = 0; j < width; j++) node.items.push(doc.createAlias(previous))
    node.anchor = `l${i}`
    anchors.push(node)
    previous = node
  }
  doc.set('name', 'bomb')
  const where = under ?? ['x']
  anchors.forEach((node, i) => doc.setIn([...where, `k${i}`], node))
  return doc.toString()
}

describe('YAML errors: ConfigError (exit 3) with file:line:column and a short message', () => {
  const cases: Array<[string, string, string]> = [
    ['bad indentation', 'name: shop\nservices:\n  web:\n    image: x\n   port: 80\n', 'berth.yml:5:1: invalid YAML: bad indentation'],
    ['a tab as indentation', 'name: shop\nservices:\n\tweb:\n    image: x\n', 'berth.yml:3:1: invalid YAML: a tab used for indentation (YAML indents with spaces)'],
    ['an unclosed double quote', 'name: "shop\nservices: {}\n', 'berth.yml:1:7: invalid YAML: a quoted string is not closed (missing ")'],
    ['an unclosed single quote', "services: {}\nname: 'shop\n", "berth.yml:2:7: invalid YAML: a quoted string is not closed (missing ')"],
    ['an unclosed flow list', 'name: shop\nservices:\n  web:\n    port: [8000\n', 'berth.yml:4:11: invalid YAML: a flow [list] is not closed, or its lines are not indented enough'],
    ['a duplicate key', 'name: shop\nservices:\n  web:\n    image: x\n  web:\n    image: y\n', 'berth.yml:5:3: invalid YAML: duplicate key "web" (first at line 3)'],
    ['a duplicate key in a flow mapping', 'name: shop\nservices: {a: 1, b: 2, a: 3}\n', 'berth.yml:2:24: invalid YAML: duplicate key "a" (first at line 2)'],
    ['keys 1 and "1" (one JavaScript property)', 'name: shop\nx:\n  1: a\n  "1": b\n', 'berth.yml:4:3: invalid YAML: duplicate key "1" (first at line 3)'],
    ['several documents', 'name: shop\n---\nname: other\n', 'berth.yml:2:1: invalid YAML: several YAML documents in one file (only one is read; remove the "---" or "..." separators)'],
    ['an unknown alias', 'name: *nope\n', 'berth.yml:1:7: invalid YAML: unknown alias *nope: no anchor &nope before it'],
    ['an alias inside its own anchor', 'a: &a [1, *a]\n', 'berth.yml:1:11: invalid YAML: alias *a is inside the node it refers to (a loop)'],
    ['a bad escape', 'name: "a\\qb"\n', 'berth.yml:1:9: invalid YAML: invalid escape sequence in a double-quoted string'],
    ['a missing colon', 'name: shop\nservices:\n  web\n  x: 1\n', 'berth.yml:3:3: invalid YAML: a key cannot span several lines (is a ":" missing, or a quote not closed?)'],
    ['a reserved first character', 'name: @shop\n', 'berth.yml:1:7: invalid YAML: a plain value cannot start with this character (quote it)'],
    ['two anchors on one node', 'a: &x &y 1\n', 'berth.yml:1:7: invalid YAML: a node with several anchors'],
  ]
  it.each(cases)('%s', (_what, text, message) => {
    const error = thrown(() => parseYamlSource(text, 'berth.yml'))
    expect(error.name).toBe('ConfigError')
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe(message)
  })

  it.each([
    ['at the top level', undefined],
    ['inside a service env', ['services', 'web', 'env']],
  ])('refuses a billion laughs %s at the alias that passes the limit, quickly', (_what, under) => {
    const text = aliasBomb(9, 10, under)
    const started = Date.now()
    const error = thrown(() => parseYamlSource(text, 'templates/services/x.yml'))
    expect(Date.now() - started).toBeLessThan(1000)
    expect(error.exitCode).toBe(3)
    expect(error.message).toMatch(/^templates\/services\/x\.yml:\d+:\d+: invalid YAML: too many aliases expanded: .*more than 100,000 values/)
    const {line} = (error as unknown as {pos: {line: number}}).pos
    expect(text.split('\n')[line - 1]).toMatch(/\*l\d/)
  })

  it('gives aliases the same values as the yaml library (an anchor set again applies from there on)', () => {
    const text = 'a: &x 1\nb: *x\nc: &x {k: [1, 2]}\nd: *x\ne: [*x, &y 3, *y]\n'
    expect(parseYamlSource(text, 'berth.yml').value).toEqual(parseDocument(text).toJS())
    expect(parseYamlSource(text, 'berth.yml').value).toEqual({a: 1, b: 1, c: {k: [1, 2]}, d: {k: [1, 2]}, e: [{k: [1, 2]}, 3, 3]})
  })

  // The library alone resolved each alias by scanning every one before it: 20,000 aliases took 86 s here.
  it('reads 20,000 aliases to one anchor', {timeout: 20_000}, () => {
    const doc = new Document({})
    const shared = doc.createNode('shared') as Scalar
    shared.anchor = 'a'
    const env: Record<string, unknown> = {A: shared}
    for (let i = 0; i < 20_000; i++) env[`V${i}`] = doc.createAlias(shared)
    doc.contents = doc.createNode({env}) as typeof doc.contents
    const value = parseYamlSource(doc.toString(), 'berth.yml').value as {env: Record<string, string>}
    expect(Object.keys(value.env)).toHaveLength(20_001)
    expect(value.env.V19999).toBe('shared')
  })

  it('accepts aliases that expand moderately, and a leading "---"', () => {
    expect(parseYamlSource(aliasBomb(3), 'berth.yml').value).toMatchObject({name: 'bomb'})
    expect(parseYamlSource('---\nname: x\n', 'berth.yml').value).toEqual({name: 'x'})
  })

  // How the time grows with size is measured by scripts/bench-parse.js --sizes (machines here are too busy
  // for a time limit in a unit test).
  it('reads a 50,000-key mapping, and finds a duplicate key at its end', {timeout: 60_000}, () => {
    const doc = new Document(Object.fromEntries(Array.from({length: 50_000}, (_, i) => [`K${i}`, i])))
    expect(Object.keys(parseYamlSource(doc.toString(), 'berth.yml').value as object)).toHaveLength(50_000)
    ;(doc.contents as YAMLMap).items.push(doc.createPair('K0', 'again'))
    const error = thrown(() => parseYamlSource(doc.toString(), 'berth.yml'))
    expect(error.message).toBe('berth.yml:50001:1: invalid YAML: duplicate key "K0" (first at line 1)')
  })
})
