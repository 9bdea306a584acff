import {describe, expect, it} from 'vitest'
import {parseYamlSource} from '../../src/core/source.js'
import {loadStack, thrown} from './helpers.js'

describe('berth.yml validation', () => {
  it('accepts the minimal stack', () => {
    expect(loadStack('name: shop\nservices:\n  web:\n    image: node:20\n').value.name).toBe('shop')
  })

  it('reports malformed YAML with file:line:column', () => {
    const error = thrown(() => parseYamlSource('name: shop\nservices:\n  web:\n    port: [8000\n', 'berth.yml'))
    expect(error.message).toMatch(/^berth\.yml:\d+:\d+: invalid YAML: /)
    expect(error.exitCode).toBe(3)
  })

  it('names the wrong type and where it is', () => {
    const error = thrown(() => loadStack('name: shop\nservices:\n  web:\n    template: node\n    port: "80x"\n'))
    expect(error.message).toBe('berth.yml:5:11: services.web.port must be an integer (got the string "80x")')
  })

  it('points at an unknown key', () => {
    const error = thrown(() => loadStack('name: shop\nservices:\n  web:\n    template: node\n    prot: 80\n'))
    expect(error.message).toBe('berth.yml:5:5: unknown key "prot" in services.web')
  })

  it('requires name and services', () => {
    expect(thrown(() => loadStack('services:\n  web: {image: x}\n')).message).toBe('berth.yml:1:1: the top level needs the key "name"')
  })

  it('rejects a service name Docker would refuse', () => {
    const error = thrown(() => loadStack('name: shop\nservices:\n  Web App:\n    image: x\n'))
    expect(error.message).toMatch(/^berth\.yml:3:3: invalid name "Web App" in services/)
  })

  it('lists the allowed values of an enum', () => {
    const error = thrown(() => loadStack('name: s\nservices:\n  db:\n    volumes:\n      data: {path: /d, kind: forever}\n'))
    expect(error.message).toMatch(/^berth\.yml:5:\d+: services\.db\.volumes\.data\.kind must be one of "data", "shared", "cache"/)
  })

  it('rejects a document that is not a mapping', () => {
    expect(thrown(() => loadStack('- a\n- b\n')).message).toMatch(/^berth\.yml:1:1: expected a mapping/)
  })
})
