/**
 * Processes in containers through the engine: an exec with its output collected or piped, and a one-shot helper
 * container with volumes mounted. The Engine adapter (engine.ts) hands in its client and its error wrapper.
 */
import {PassThrough} from 'node:stream'
import type Dockerode from 'dockerode'
import type {HelperSpec} from '../app/ports.js'
import {BerthError, ExitCode} from '../core/errors.js'

/** The engine adapter's wrapper that turns "cannot reach the engine" into berth's own error. */
type Call = <T>(what: () => Promise<T>) => Promise<T>

/**
 * Run a command in a running container (argv array, no shell) and collect its output. With a timeout
 * (ms), a command still running then is given up on: its stream is closed and it counts as failed (-1),
 * as Docker counts a health probe that overruns its timeout.
 */
export async function execCapture(docker: Dockerode, call: Call, id: string, cmd: string[], timeoutMs?: number): Promise<{code: number; stdout: string; stderr: string}> {
  const exec = await call(() => docker.getContainer(id).exec({Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false}))
  const stream = await exec.start({hijack: true, stdin: false})
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
  err.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
  docker.modem.demuxStream(stream, out, err)
  let timer: NodeJS.Timeout | undefined
  const finished = await new Promise<boolean>((resolve, reject) => {
    stream.on('end', () => resolve(true))
    stream.on('close', () => resolve(true))
    stream.on('error', reject)
    if (timeoutMs !== undefined) timer = setTimeout(() => resolve(false), timeoutMs)
  }).finally(() => clearTimeout(timer))
  if (!finished) {
    ;(stream as unknown as {destroy(): void}).destroy()
    return {code: -1, stdout, stderr: `${stderr}(gave up after ${timeoutMs} ms)`}
  }
  const info = await exec.inspect()
  return {code: info.ExitCode ?? 0, stdout, stderr}
}

/**
 * Run a command in a running container with its stdin and stdout as a byte stream (no TTY, so binary
 * safe): what is written to `input` reaches the command's stdin, its stdout goes to `output`.
 */
export async function execPipe(docker: Dockerode, call: Call, id: string, cmd: string[], input: NodeJS.ReadableStream, output: NodeJS.WritableStream, errors?: NodeJS.WritableStream): Promise<void> {
  const exec = await call(() => docker.getContainer(id).exec({Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false}))
  const stream = (await exec.start({hijack: true, stdin: true})) as NodeJS.ReadWriteStream & {end(): void; destroy?(): void}
  docker.modem.demuxStream(stream, output, errors ?? new PassThrough().resume())
  input.pipe(stream)
  await new Promise<void>((resolve) => {
    stream.on('end', resolve)
    stream.on('close', resolve)
    stream.on('error', () => resolve())
  })
}

/**
 * Run a one-shot helper container (argv command, no shell unless the argv asks for one) with
 * volumes mounted; returns its exit code and output. The container is removed afterwards.
 */
export async function runHelper(docker: Dockerode, call: Call, spec: HelperSpec): Promise<{code: number; output: string}> {
  let container: Dockerode.Container
  try {
    container = await call(() =>
      docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Cmd: spec.cmd,
        Labels: spec.labels,
        HostConfig: {Mounts: spec.mounts.map((m) => ({Type: m.bind ? 'bind' : 'volume', Source: m.source, Target: m.target, ReadOnly: Boolean(m.readOnly)})), NetworkMode: 'none'},
      }),
    )
  } catch (error) {
    if ((error as {statusCode?: number}).statusCode === 404) {
      throw new BerthError(`the helper image ${spec.image} is not available`, {
        exitCode: ExitCode.DOCKER,
        hints: [`Pull it (docker pull ${spec.image}), or map debian:bookworm-slim to a local image: BERTH_IMAGE_MAP=debian:bookworm-slim=IMAGE (or BERTH_HELPER_IMAGE=IMAGE).`],
        cause: error,
      })
    }
    throw error
  }
  try {
    await container.start()
    const result = (await container.wait()) as {StatusCode: number}
    const logs = (await container.logs({stdout: true, stderr: true, follow: false})) as unknown as Buffer
    return {code: result.StatusCode, output: demux(logs)}
  } finally {
    await container.remove({force: true}).catch(() => undefined)
  }
}

/** Docker's multiplexed log stream (8-byte frame headers) as text. */
export function demux(buffer: Buffer): string {
  const parts: Buffer[] = []
  let i = 0
  while (i + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(i + 4)
    parts.push(buffer.subarray(i + 8, i + 8 + size))
    i += 8 + size
  }
  return Buffer.concat(parts).toString('utf8')
}
