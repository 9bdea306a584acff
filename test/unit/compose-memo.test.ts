// The Compose version is remembered between runs under a fingerprint of the CLI's files: a known answer
// skips `docker compose version`; a changed or different `docker` asks again.
import {chmodSync, mkdtempSync, readFileSync, utimesSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ComposeCli} from '../../src/docker/compose.js'
import {composeFingerprint, fileVersionMemo} from '../../src/docker/compose-memo.js'

/** A fake `docker` that answers a Compose version and counts its runs in a file. */
function fakeDocker(version: string): {bin: string; runs: () => number; env: NodeJS.ProcessEnv} {
  const bin = mkdtempSync(path.join(os.tmpdir(), 'berth-fake-docker-'))
  const count = path.join(bin, 'runs')
  writeFileSync(count, '')
  writeFileSync(path.join(bin, 'docker'), `#!/bin/sh\necho x >> ${count}\necho ${version}\n`)
  chmodSync(path.join(bin, 'docker'), 0o755)
  const env = {PATH: `${bin}:/usr/bin:/bin`, BERTH_STATE_DIR: path.join(bin, 'state'), DOCKER_CONFIG: path.join(bin, 'docker-config')}
  return {bin, env, runs: () => readFileSync(count, 'utf8').split('\n').filter(Boolean).length}
}

function cli(env: NodeJS.ProcessEnv): ComposeCli {
  return new ComposeCli('docker', env, {store: fileVersionMemo(env), fingerprint: () => composeFingerprint('docker', env)})
}

describe('the remembered Compose version', () => {
  it('asks the CLI once, then answers from memory', async () => {
    const fake = fakeDocker('2.26.1')
    expect(await cli(fake.env).version()).toBe('2.26.1')
    expect(await cli(fake.env).version()).toBe('2.26.1')
    expect(fake.runs()).toBe(1)
  })

  it('asks again when the docker CLI file changes', async () => {
    const fake = fakeDocker('2.26.1')
    await cli(fake.env).version()
    const file = path.join(fake.bin, 'docker')
    writeFileSync(file, readFileSync(file, 'utf8').replace('2.26.1', '2.29.0'))
    utimesSync(file, new Date(), new Date(Date.now() + 5000))
    expect(await cli(fake.env).version()).toBe('2.29.0')
    expect(fake.runs()).toBe(2)
  })

  it('asks again for another docker on PATH, and never remembers a failure', async () => {
    const a = fakeDocker('2.26.1')
    await cli(a.env).version()
    const v1 = fakeDocker('1.29.2') // a CLI whose compose is not v2
    const env = {...v1.env, BERTH_STATE_DIR: a.env.BERTH_STATE_DIR}
    await expect(cli(env).version()).rejects.toThrow(/berth needs Docker Compose v2/)
    await expect(cli(env).version()).rejects.toThrow(/berth needs Docker Compose v2/)
    expect(v1.runs()).toBe(2)
  })

  it('has no fingerprint when docker is not on PATH', () => {
    expect(composeFingerprint('docker', {PATH: mkdtempSync(path.join(os.tmpdir(), 'berth-empty-'))})).toBeUndefined()
  })
})
