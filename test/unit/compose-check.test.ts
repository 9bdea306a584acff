// Compose's complaints about a rendered file, mapped back to the berth.yml line they came from.
import {describe, expect, it} from 'vitest'
import {modelProblems, originOf, parseComposeComplaint} from '../../src/core/compose-check.js'
import type {StackFile} from '../../src/core/model.js'

describe("Compose's complaints", () => {
  it.each([
    ['validating /p/.berth/dev.compose.yml: services.web.ports must be a list', ['services', 'web', 'ports'], 'services.web.ports must be a list'],
    ['validating /p/.berth/dev.compose.yml: services.web Additional property frobnicate is not allowed', ['services', 'web', 'frobnicate'], 'services.web.frobnicate is not a Compose key'],
    ['validating /p/.berth/dev.compose.yml: volumes must be a mapping', ['volumes'], 'volumes must be a mapping'],
    ["decoding failed due to the following error(s):\n\nerror decoding 'services[web].mem_limit': invalid size: 'lots'", ['services', 'web', 'mem_limit'], "services.web.mem_limit: invalid size: 'lots'"],
    ['invalid interpolation format for services.web.environment.A.\nYou may need to escape any $ with another $.', ['services', 'web', 'environment', 'A'], 'services.web.environment.A: invalid ${...} reference (write a literal $ as $$)'],
  ])('%s', (stderr, path, message) => {
    expect(parseComposeComplaint(stderr)).toEqual({path, message})
  })

  it('keeps a complaint it cannot place as one line without a path', () => {
    expect(parseComposeComplaint('something odd happened\nmore')).toEqual({path: [], message: 'something odd happened'})
  })
})

describe('where a key of the rendered model came from in berth.yml', () => {
  const file = {
    name: 'shop',
    services: {web: {compose: {ports: 8000, deploy: {resources: {}}}}, db: {template: 'postgres'}},
    environments: {qa: {services: {web: {compose: {restart: 'sometimes'}}}}},
    compose: {volumes: ['a']},
  } as unknown as StackFile

  it("finds a service's own compose fragment, deepest key first", () => {
    expect(originOf(file, 'dev', ['services', 'web', 'ports'])).toEqual(['services', 'web', 'compose', 'ports'])
    expect(originOf(file, 'dev', ['services', 'web', 'deploy', 'resources', 'limits'])).toEqual(['services', 'web', 'compose', 'deploy', 'resources'])
  })

  it("prefers the environment's fragment, which is merged last", () => {
    expect(originOf(file, 'qa', ['services', 'web', 'restart'])).toEqual(['environments', 'qa', 'services', 'web', 'compose', 'restart'])
  })

  it('finds the top-level fragment, and falls back to the service', () => {
    expect(originOf(file, 'dev', ['volumes'])).toEqual(['compose', 'volumes'])
    expect(originOf(file, 'dev', ['services', 'db', 'image'])).toEqual(['services', 'db'])
    expect(originOf(file, 'dev', ['networks'])).toBeUndefined()
  })
})

describe('checks Compose does not make', () => {
  it.each(['no', 'always', 'unless-stopped', 'on-failure', 'on-failure:3'])('accepts restart: %s', (restart) => {
    expect(modelProblems({services: {web: {restart}}})).toEqual([])
  })
  it.each(['sometimes', 'on-failure:x', 5])('refuses restart: %s', (restart) => {
    expect(modelProblems({services: {web: {restart}}})).toEqual([expect.objectContaining({path: ['services', 'web', 'restart']})])
  })
})
