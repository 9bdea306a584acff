// image_from: registry|build in the render (what runs, what --build-if-missing would build, bad input at its
// berth.yml line), and the npm registry for builds: secrets by path or variable name, never a value in a file.
import {describe, expect, it} from 'vitest'
import {composeYamlText} from '../../src/core/compose-yaml.js'
import {ExitCode} from '../../src/core/errors.js'
import {npmContext, plainRegistryUrl} from '../../src/core/npm-registry.js'
import {keyVars} from '../../src/core/render-cache.js'
import {render, shopStack, svc, thrown, validator} from './helpers.js'

const STACK = (qa: string, web = '') =>
  shopStack(
    web,
    `  db:
    template: postgres
environments:
  qa:
${qa}`,
  )
const REGISTRY_QA = `    services:
      web:
        image_from: registry
        image: stacks/shop:1.4
`
const EXISTING = ['/repo', '/repo/app', '/repo/app/Dockerfile']
const IMAGES = {images: {'node:20-bookworm-slim': 'local/node:20'}, registry: 'private-registry.example'}

describe('image_from: registry', () => {
  it('runs the reference through the registry prefix, with no build; the build is kept aside for --build-if-missing', () => {
    const r = render(STACK(REGISTRY_QA), {env: 'qa', existing: EXISTING, ctx: IMAGES})
    const web = svc(r, 'web')
    expect(web.image).toBe('private-registry.example/stacks/shop:1.4')
    expect(web.build).toBeUndefined()
    expect(web.pull_policy).toBe('missing')
    expect(r.registryImages).toEqual([
      {
        service: 'web',
        image: 'private-registry.example/stacks/shop:1.4',
        key: 'environments.qa.services.web.image_from',
        at: 'berth.yml:14:21',
        buildFrom: 'app/',
        fallback: {name: r.project, services: {web: {image: 'private-registry.example/stacks/shop:1.4', build: {context: '/repo/app', args: {BASE_IMAGE: 'local/node:20'}}}}},
      },
    ])
  })

  it('follows the image map too, and leaves services without image_from as they were (qa still builds what has no image_from)', () => {
    const r = render(STACK(REGISTRY_QA), {env: 'qa', existing: EXISTING, ctx: {images: {'stacks/shop:1.4': 'local/shop:1.4', 'postgres:15': 'local/postgres:15'}}})
    expect(svc(r, 'web').image).toBe('local/shop:1.4')
    expect(svc(r, 'db').image).toBe('local/postgres:15')
    const plain = render(STACK('    services: {}\n'), {env: 'qa', existing: EXISTING})
    expect(svc(plain, 'web').build).toMatchObject({context: '/repo/app'})
    expect(plain.registryImages).toBeUndefined()
  })

  it('dev runs the source on the base image, not the registry image, when the service itself says image_from: registry', () => {
    const web = `    image_from: registry\n    image: private-registry.example/stacks/shop:1.4\n`
    const dev = render(STACK('    services: {}\n', web), {existing: EXISTING, ctx: IMAGES})
    expect(svc(dev, 'web').image).toBe('local/node:20')
    expect(svc(dev, 'web').volumes).toEqual(expect.arrayContaining([expect.objectContaining({target: '/src', type: 'bind'})]))
    expect(dev.registryImages).toBeUndefined()
    const qa = render(STACK('    services: {}\n', web), {env: 'qa', existing: EXISTING, ctx: IMAGES})
    expect(svc(qa, 'web').image).toBe('private-registry.example/stacks/shop:1.4')
    expect(qa.registryImages?.[0]).toMatchObject({key: 'services.web.image_from', at: 'berth.yml:8:17'})
  })

  it('an environment-wide image_from applies to the services that build; a service says build to opt out', () => {
    const qa = `    image_from: registry
    services:
      web: {image: stacks/shop:2.0}
`
    const r = render(STACK(qa), {env: 'qa', existing: EXISTING, ctx: IMAGES})
    expect(svc(r, 'web').image).toBe('private-registry.example/stacks/shop:2.0')
    expect(r.registryImages?.map((i) => [i.service, i.key])).toEqual([['web', 'environments.qa.image_from']])
    expect(svc(r, 'db').pull_policy).toBeUndefined()
    const optOut = render(STACK(`    image_from: registry\n    services:\n      web: {image_from: build}\n`), {env: 'qa', existing: EXISTING})
    expect(svc(optOut, 'web').build).toMatchObject({context: '/repo/app'})
  })

  it('refuses image_from: registry without image:, image_from: build without build:, and image_from in a dev-mode environment, at their line', () => {
    const noImage = thrown(() => render(STACK(`    services:\n      web: {image_from: registry}\n`), {env: 'qa', existing: EXISTING}))
    expect(noImage.exitCode).toBe(ExitCode.CONFIG)
    expect(noImage.message).toBe('berth.yml:13:25: service "web": image_from: registry needs image: (the image to run)')
    const noBuild = thrown(() => render(STACK('    services: {}\n').replace('    build: app\n', '    image_from: build\n'), {env: 'qa', existing: EXISTING}))
    expect(noBuild.message).toBe('berth.yml:5:17: service "web": image_from: build needs build: (a folder with a Dockerfile)')
    const dev = thrown(() => render(STACK('    services: {}\n').replace('  qa:\n', '  dev:\n    services:\n      web: {image_from: registry, image: x/y:1}\n  qa:\n'), {existing: EXISTING}))
    expect(dev.exitCode).toBe(ExitCode.CONFIG)
    expect(dev.message).toMatch(/^berth\.yml:\d+:\d+: service "web": image_from applies in prod-mode environments/)
  })

  it('the schema knows image_from (registry or build) on services and environments', () => {
    expect(validator({name: 'a', services: {web: {image: 'x', image_from: 'registry'}}, environments: {qa: {image_from: 'build'}}})).toBe(true)
    expect(validator({name: 'a', services: {web: {image: 'x', image_from: 'hub'}}})).toBe(false)
  })
})

describe('npm registry for builds', () => {
  const TOKEN = 'npm_SEKRETtoken0123456789'
  const secretRegistry = `https://ci:${TOKEN}@npm.private.example/`

  it('passes an .npmrc as the BuildKit secret npmrc by its path: the build context first, then the project, then the user', () => {
    const withUser = render(STACK('    services: {}\n'), {env: 'qa', existing: [...EXISTING, '/home/u/.npmrc'], ctx: {npm: {userConfig: '/home/u/.npmrc'}}})
    expect(withUser.compose.secrets).toEqual({npmrc: {file: '/home/u/.npmrc'}})
    expect(svc(withUser, 'web').build.secrets).toEqual([{source: 'npmrc', target: 'npmrc'}])
    const ctxFirst = render(STACK('    services: {}\n'), {env: 'qa', existing: [...EXISTING, '/home/u/.npmrc', '/repo/.npmrc', '/repo/app/.npmrc'], ctx: {npm: {userConfig: '/home/u/.npmrc'}}})
    expect(ctxFirst.compose.secrets).toEqual({npmrc: {file: '/repo/app/.npmrc'}})
    const none = render(STACK('    services: {}\n'), {env: 'qa', existing: EXISTING, ctx: {npm: {userConfig: '/home/u/.npmrc'}}})
    expect(none.compose.secrets).toBeUndefined()
    expect(svc(none, 'web').build.secrets).toBeUndefined()
  })

  it('NPM_REGISTRY: a plain URL is the build argument ${NPM_REGISTRY}; one with credentials is the secret npm_registry from the variable', () => {
    const plain = render(STACK('    services: {}\n'), {env: 'qa', existing: EXISTING, ctx: {npm: {registry: 'https://npm.private.example/'}}})
    expect(svc(plain, 'web').build.args).toEqual({BASE_IMAGE: 'node:20-bookworm-slim', NPM_REGISTRY: '${NPM_REGISTRY}'})
    const secret = render(STACK('    services: {}\n'), {env: 'qa', existing: EXISTING, ctx: {npm: {registry: secretRegistry}}})
    expect(svc(secret, 'web').build.args.NPM_REGISTRY).toBeUndefined()
    expect(svc(secret, 'web').build.secrets).toEqual([{source: 'npm_registry', target: 'npm_registry'}])
    expect(secret.compose.secrets).toEqual({npm_registry: {environment: 'NPM_REGISTRY'}})
  })

  it('never writes the token into a generated file, nor into the fallback build of a registry image', () => {
    const r = render(STACK(REGISTRY_QA), {env: 'qa', existing: [...EXISTING, '/repo/.npmrc'], ctx: {...IMAGES, npm: {registry: secretRegistry}}})
    const text = composeYamlText('/repo/berth.yml', 'main', r)
    expect(text).not.toContain(TOKEN)
    expect(text).not.toContain('npm.private.example')
    expect(JSON.stringify(r)).not.toContain(TOKEN)
    expect(r.registryImages?.[0].fallback).toMatchObject({
      secrets: {npmrc: {file: '/repo/.npmrc'}, npm_registry: {environment: 'NPM_REGISTRY'}},
      services: {web: {build: {secrets: [{source: 'npmrc', target: 'npmrc'}, {source: 'npm_registry', target: 'npm_registry'}]}}},
    })
  })

  it('reads NPM_REGISTRY and the user npmrc from the environment; both key the render cache (by digest)', () => {
    expect(npmContext({HOME: '/home/u', NPM_REGISTRY: secretRegistry})).toEqual({registry: secretRegistry, userConfig: '/home/u/.npmrc'})
    expect(npmContext({HOME: '/home/u', NPM_CONFIG_USERCONFIG: '/etc/ci-npmrc'})).toEqual({userConfig: '/etc/ci-npmrc'})
    const vars = keyVars({NPM_REGISTRY: secretRegistry, NPM_CONFIG_USERCONFIG: '/etc/ci-npmrc'})
    expect(vars.NPM_REGISTRY).toMatch(/^[0-9a-f]+$/)
    expect(vars.NPM_CONFIG_USERCONFIG).toMatch(/^[0-9a-f]+$/)
    expect(JSON.stringify(vars)).not.toContain(TOKEN)
  })

  it('only an http(s) URL without user, password, query or fragment counts as plain', () => {
    expect(plainRegistryUrl('https://npm.example.com/')).toBe(true)
    expect(plainRegistryUrl('http://10.0.0.2:4873')).toBe(true)
    for (const v of ['https://u:p@npm.example.com/', 'https://tok@npm.example.com/', 'https://npm.example.com/?token=x', 'npm_abcdef', '//npm.example.com/:_authToken=x']) {
      expect(plainRegistryUrl(v), v).toBe(false)
    }
  })
})
