// The warm volume helper's retry rule, on a fake engine: a step that failed counts as failed only when the
// helper it ran in is still the one of that name; a helper replaced under it (by another berth) runs it again.
import {PassThrough, type Writable} from 'node:stream'
import type Dockerode from 'dockerode'
import {describe, expect, it} from 'vitest'
import {WarmVolumeHelper} from '../../src/docker/volume-helper.js'

/** One helper name whose container (its id) can change between execs, and execs that exit with the given codes. */
function fakeEngine(codes: number[], afterFirst: () => void) {
  const engine = {id: 'A', execs: [] as string[]}
  const docker = {
    modem: {demuxStream: (stream: PassThrough, out: Writable) => stream.on('data', (c: Buffer) => out.write(c))},
    getContainer: () => ({
      inspect: async () => ({Id: engine.id, State: {Running: true, Paused: false}}),
      exec: async () => {
        const container = engine.id
        const code = codes[engine.execs.length] ?? 0
        engine.execs.push(container)
        return {
          start: async () => {
            const stream = new PassThrough()
            setImmediate(() => {
              if (engine.execs.length === 1) afterFirst()
              stream.end(`ran in ${container}\n`)
            })
            return stream
          },
          inspect: async () => ({Running: false, ExitCode: code, ContainerID: container}),
        }
      },
    }),
    // The name is taken (by the helper that runs): the engine's 409.
    createContainer: async () => Promise.reject(Object.assign(new Error('Conflict'), {statusCode: 409})),
  }
  return {engine, docker: docker as unknown as Dockerode}
}

const step = {image: 'helper', root: '/var/lib/docker/volumes', script: 'true', argv: ['t.sh'], job: 'target-volume'}
const install = {runtimeScript: () => '# volume-helper.sh'}
const env = {BERTH_VOLUME_HELPER: 'berth-vh-unit'}

describe('warm volume helper: a failed step', () => {
  it('is run again when the helper was replaced under it (exit 137 in the old one, another berth made a new one)', async () => {
    const {engine, docker} = fakeEngine([137, 0], () => (engine.id = 'B'))
    const r = await new WarmVolumeHelper(async () => docker, install, env).run(step)
    expect(engine.execs).toEqual(['A', 'B'])
    expect(r).toEqual({code: 0, output: 'ran in B\n'})
  })

  it('counts as failed when the helper it ran in is still there', async () => {
    const {engine, docker} = fakeEngine([2], () => undefined)
    const r = await new WarmVolumeHelper(async () => docker, install, env).run(step)
    expect(engine.execs).toEqual(['A'])
    expect(r).toEqual({code: 2, output: 'ran in A\n'})
  })
})

describe('warm volume helper: an exec the engine does not start', () => {
  it('is given up after the time allowed; that helper is removed and the step runs in a new one', async () => {
    const calls: string[] = []
    let state: 'running' | 'gone' | 'created' = 'running'
    let execs = 0
    const docker = {
      modem: {demuxStream: (stream: PassThrough, out: Writable) => stream.on('data', (c: Buffer) => out.write(c))},
      getContainer: () => ({
        inspect: async () => {
          if (state === 'gone') throw Object.assign(new Error('no such container'), {statusCode: 404})
          return {Id: 'B', State: {Running: state === 'running', Paused: false, Status: state}}
        },
        remove: async () => void (calls.push('remove'), (state = 'gone')),
        start: async () => void (calls.push('start'), (state = 'running')),
        exec: async () => {
          const n = ++execs
          return {
            // The first start never answers: only its abort ends it.
            start: (opts: {abortSignal: AbortSignal}) =>
              n === 1
                ? new Promise((_, reject) => opts.abortSignal.addEventListener('abort', () => reject(Object.assign(new Error('aborted'), {name: 'AbortError'}))))
                : Promise.resolve(new PassThrough().end('second\n')),
            inspect: async () => ({Running: false, ExitCode: 0, ContainerID: 'B'}),
          }
        },
      }),
      createContainer: async () => void (calls.push('create'), (state = 'created')),
    }
    const r = await new WarmVolumeHelper(async () => docker as unknown as Dockerode, install, env, 50).run(step)
    expect(calls).toEqual(['remove', 'create', 'start'])
    expect(r).toEqual({code: 0, output: 'second\n'})
  })
})
