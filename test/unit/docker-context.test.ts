// berth's engine client follows the docker CLI's choice of engine: DOCKER_HOST, else DOCKER_CONTEXT, else
// the config file's current context, read from the same files the CLI writes.
import {createHash} from 'node:crypto'
import {mkdirSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {dockerodeOptions, resolveEngineEndpoint} from '../../src/docker/context.js'

/** A DOCKER_CONFIG folder with these contexts (name -> host) and this current one. */
function dockerConfig(contexts: Record<string, string>, current?: string, tls?: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-docker-config-'))
  if (current) writeFileSync(path.join(dir, 'config.json'), JSON.stringify({auths: {}, currentContext: current}))
  for (const [name, host] of Object.entries(contexts)) {
    const id = createHash('sha256').update(name).digest('hex')
    mkdirSync(path.join(dir, 'contexts', 'meta', id), {recursive: true})
    writeFileSync(path.join(dir, 'contexts', 'meta', id, 'meta.json'), JSON.stringify({Name: name, Metadata: {}, Endpoints: {docker: {Host: host, SkipTLSVerify: false}}}))
    if (tls === name) {
      mkdirSync(path.join(dir, 'contexts', 'tls', id, 'docker'), {recursive: true})
      for (const f of ['ca', 'cert', 'key']) writeFileSync(path.join(dir, 'contexts', 'tls', id, 'docker', `${f}.pem`), `${f}-pem`)
    }
  }
  return dir
}

describe('the engine endpoint', () => {
  const colima = dockerConfig({colima: 'unix:///home/me/.colima/default/docker.sock', remote: 'tcp://build.example:2376'}, 'colima', 'remote')

  it('is the current context of the config file when nothing else says', () => {
    const ep = resolveEngineEndpoint({DOCKER_CONFIG: colima})
    expect(ep).toMatchObject({context: 'colima', host: 'unix:///home/me/.colima/default/docker.sock'})
    expect(dockerodeOptions(ep)).toEqual({socketPath: '/home/me/.colima/default/docker.sock'})
  })

  it('is DOCKER_CONTEXT over the config file, with the context\'s TLS files', () => {
    const ep = resolveEngineEndpoint({DOCKER_CONFIG: colima, DOCKER_CONTEXT: 'remote'})
    expect(dockerodeOptions(ep)).toEqual({protocol: 'https', host: 'build.example', port: 2376, ca: 'ca-pem', cert: 'cert-pem', key: 'key-pem'})
  })

  it('is DOCKER_HOST over any context (left to dockerode)', () => {
    const ep = resolveEngineEndpoint({DOCKER_CONFIG: colima, DOCKER_CONTEXT: 'remote', DOCKER_HOST: 'unix:///run/other.sock'})
    expect(ep.context).toBe('default')
    expect(dockerodeOptions(ep)).toBeUndefined()
  })

  it('is the default without a config file, and for the context named default', () => {
    expect(dockerodeOptions(resolveEngineEndpoint({DOCKER_CONFIG: mkdtempSync(path.join(os.tmpdir(), 'berth-empty-'))}))).toBeUndefined()
    expect(resolveEngineEndpoint({DOCKER_CONFIG: colima, DOCKER_CONTEXT: 'default'}).context).toBe('default')
  })

  it('reads ssh endpoints', () => {
    expect(dockerodeOptions({context: 'box', host: 'ssh://deploy@box.example:2222'})).toEqual({protocol: 'ssh', host: 'box.example', port: 2222, username: 'deploy'})
  })

  it('names a context that does not exist, and how to list them', () => {
    expect(() => resolveEngineEndpoint({DOCKER_CONFIG: colima, DOCKER_CONTEXT: 'gone'})).toThrow(/the docker context "gone" \(DOCKER_CONTEXT\) does not exist/)
  })
})
