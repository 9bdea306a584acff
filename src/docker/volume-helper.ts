/**
 * The warm volume helper: one small container per engine and helper image (no network, the engine's volume
 * root bind-mounted at /vols, labelled dev.berth.helper=volumes, AutoRemove), started on first need and reused
 * by every berth command after: each copy-on-write step and each copy between plain volumes is an exec in it
 * (~0.05-0.1 s) instead of a new container (~0.4 s). Its main process (runtime/volume-helper.sh serve) exits
 * after BERTH_VOLUME_HELPER_IDLE seconds (default 300) without a step, and never while one runs; the engine
 * then removes it. `docker rm -f` of it is always safe: a step it cut short is run again by the next command.
 *
 * Where it cannot be had (BERTH_VOLUME_HELPER=off, the image lacks flock, the engine refuses the bind mount),
 * run() answers undefined and the caller runs its one-shot helper container as before.
 */
import {createHash} from 'node:crypto'
import {Writable} from 'node:stream'
import type Dockerode from 'dockerode'
import {HELPER_LABEL} from '../core/naming.js'
import type {InstallPort, VolumeHelperPort, VolumeStep} from '../app/ports.js'
import {trace} from '../infra/trace.js'

export const VOLUME_HELPER_KIND = 'volumes'
/** The volume root a warm helper was made for (its /vols). */
export const VOLUME_ROOT_LABEL = 'dev.berth.volume-root'
export const DEFAULT_IDLE_SECONDS = 300
/** A step that found the helper closing (exit 75), or an image without flock/setsid (76). */
const CLOSING = 75
const UNSUPPORTED = 76
/** How long the engine may take to make and start an exec in the helper (it takes milliseconds). */
const EXEC_START_MS = 15_000

type Status = {statusCode?: number; message?: string}

/** The helper's name for this image and volume root (BERTH_VOLUME_HELPER names it, for tests). */
export function volumeHelperName(image: string, root: string, env: NodeJS.ProcessEnv): string {
  const given = env.BERTH_VOLUME_HELPER
  if (given && given !== 'off') return given
  return `berth-volume-helper-${createHash('sha256').update(`${image}\0${root}`).digest('hex').slice(0, 10)}`
}

export class WarmVolumeHelper implements VolumeHelperPort {
  /** Image|root pairs for which no warm helper can be had (asked once per command). */
  private readonly broken = new Set<string>()

  constructor(
    private readonly docker: () => Promise<Dockerode>,
    private readonly install: Pick<InstallPort, 'runtimeScript'>,
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly execStartMs = EXEC_START_MS,
  ) {}

  async run(step: VolumeStep): Promise<{code: number; output: string} | undefined> {
    const key = `${step.image}\0${step.root}`
    if (this.env.BERTH_VOLUME_HELPER === 'off' || this.broken.has(key)) return undefined
    const docker = await this.docker()
    const name = volumeHelperName(step.image, step.root, this.env)
    const script = this.install.runtimeScript('volume-helper.sh')
    const cmd = ['bash', '-c', script, 'volume-helper.sh', 'run', step.job ?? '-', step.script, ...step.argv]
    for (let attempt = 0; attempt < 4; attempt++) {
      const r = await execIn(docker, name, cmd, {kill: step.job ? () => this.stopJob(docker, name, script, step.job!) : undefined, stop: step.stop, startMs: this.execStartMs}).catch(async (error: Status & {stalled?: boolean}) => {
        // The engine did not start the exec: that helper is of no use (removing it is always safe, and a step of another
        // berth it cuts short is run again there); a new one is made below.
        if (error.stalled) await docker.getContainer(name).remove({force: true}).catch(() => undefined)
        // No such container (404), or not running (409: exited, paused, being removed): a new one is made below.
        if (error.stalled || error.statusCode === 404 || error.statusCode === 409) return undefined
        throw error
      })
      trace(`volume helper ${name}: ${step.argv[0]} ${step.argv[1] ?? ''}: ${r ? `exit ${r.code}` : 'not running'}`)
      if (r && r.code === UNSUPPORTED) break
      // A failed step counts only if the very helper it ran in is still there: another berth may have replaced
      // a helper that went away under the step (its exit 137), and the step is then run again in the new one.
      if (r && r.code !== CLOSING && (r.code === 0 || step.stop?.aborted || (await running(docker, name, r.container)))) return {code: r.code, output: r.output}
      // The helper is gone or closing (or went away under the step, which is safe to run again): a new one.
      if (step.stop?.aborted) return r ?? {code: 130, output: 'stopped'}
      const started = await this.start(docker, name, step)
      trace(`volume helper ${name}: ${started ? 'started' : 'cannot be made; one-shot helpers instead'}`)
      if (!started) break
    }
    this.broken.add(key)
    return undefined
  }

  /** Make and start the helper; false where the engine cannot (the caller falls back to one-shot helpers). */
  private async start(docker: Dockerode, name: string, step: VolumeStep): Promise<boolean> {
    const idle = Number(this.env.BERTH_VOLUME_HELPER_IDLE || DEFAULT_IDLE_SECONDS)
    const container = docker.getContainer(name)
    for (let attempt = 0; attempt < 50; attempt++) {
      const made = await docker
        .createContainer({
          name,
          Image: step.image,
          Cmd: ['bash', '-c', this.install.runtimeScript('volume-helper.sh'), 'volume-helper.sh', 'serve', String(Math.max(1, Math.round(idle)))],
          Labels: {[HELPER_LABEL]: VOLUME_HELPER_KIND, [VOLUME_ROOT_LABEL]: step.root},
          HostConfig: {AutoRemove: true, NetworkMode: 'none', Mounts: [{Type: 'bind', Source: step.root, Target: '/vols'}]},
        })
        .then(() => 'made' as const, (e: Status) => (e.statusCode === 409 ? ('taken' as const) : ('failed' as const)))
      // No such image, a bind mount the engine refuses...: one-shot helpers say it in their own words.
      if (made === 'failed') return false
      // Ours, or another berth's made meanwhile (use it once it runs), or an old one on its way out (replace it).
      const state = await container.inspect().then((i) => i.State, () => undefined)
      if (state?.Running && !state.Paused && !state.Restarting) return true
      if (state?.Status === 'created') {
        const started = await container.start().then(() => 'yes', (e: Status) => (e.statusCode === 304 ? 'yes' : e.statusCode === 404 || e.statusCode === 409 ? 'again' : 'no'))
        if (started === 'yes') return true
        if (started === 'no') return false
        continue
      }
      await container.remove({force: true}).catch(() => undefined)
      await new Promise((r) => setTimeout(r, 100))
    }
    return false
  }

  async stop(job: {image: string; root: string; job: string}): Promise<void> {
    if (this.env.BERTH_VOLUME_HELPER === 'off') return
    const docker = await this.docker()
    // No helper (gone, exited): nothing of the job runs any more.
    await this.stopJob(docker, volumeHelperName(job.image, job.root, this.env), this.install.runtimeScript('volume-helper.sh'), job.job)
  }

  private async stopJob(docker: Dockerode, name: string, script: string, job: string): Promise<void> {
    await execIn(docker, name, ['bash', '-c', script, 'volume-helper.sh', 'stop', job], {startMs: this.execStartMs}).catch(() => undefined)
  }
}

/** Is the helper called NAME running, and (given an id) still the same container? */
async function running(docker: Dockerode, name: string, id?: string): Promise<boolean> {
  const info = await docker
    .getContainer(name)
    .inspect()
    .catch(() => undefined)
  return Boolean(info?.State?.Running && !info.State.Paused && (!id || info.Id === id))
}

/**
 * An exec in the container: its exit code and output (stdout and stderr in order). With `stop`: once it
 * aborts, `kill` is run (again every 0.3 s) until the exec has ended.
 */
async function execIn(docker: Dockerode, name: string, cmd: string[], options: {kill?: () => Promise<void>; stop?: AbortSignal; startMs: number}): Promise<{code: number; output: string; container?: string}> {
  const {kill, stop} = options
  // Making and starting an exec takes the engine milliseconds. Should it not answer (never seen: the hangs once
  // blamed on copies here were a DNS race in up, see app/door/routing.ts), the requests are given up after startMs
  // and the caller goes on with a new helper.
  const starting = new AbortController()
  const guard = setTimeout(() => starting.abort(), options.startMs)
  let exec: Dockerode.Exec
  let stream: NodeJS.ReadWriteStream
  try {
    exec = await docker.getContainer(name).exec({Cmd: cmd, AttachStdout: true, AttachStderr: true, Tty: false, abortSignal: starting.signal})
    stream = await exec.start({hijack: true, stdin: false, abortSignal: starting.signal})
  } catch (error) {
    if (starting.signal.aborted) throw Object.assign(new Error(`the engine did not start a step in ${name} within ${options.startMs / 1000} s`), {stalled: true})
    throw error
  } finally {
    clearTimeout(guard)
  }
  const chunks: Buffer[] = []
  const sink = new Writable({write: (c: Buffer, _e, done) => void (chunks.push(c), done())})
  docker.modem.demuxStream(stream, sink, sink)
  let ended = false
  let watchdog: NodeJS.Timeout | undefined
  const done = new Promise<void>((resolve) => {
    const end = () => ((ended = true), clearInterval(watchdog), resolve())
    stream.on('end', end)
    stream.on('close', end)
    stream.on('error', end)
    // Should the engine never close the stream (the helper went away under the exec), the exec's own state says it ended.
    watchdog = setInterval(() => {
      exec.inspect().then(
        (info) => info.Running || end(),
        () => end(),
      )
    }, 2000)
  })
  let stopping: Promise<void> | undefined
  if (kill && stop) {
    const stopIt = () =>
      void (stopping = (async () => {
        while (!ended) {
          await kill()
          await Promise.race([done, new Promise((r) => setTimeout(r, 300))])
        }
      })())
    if (stop.aborted) stopIt()
    else stop.addEventListener('abort', stopIt, {once: true})
  }
  await done
  // A stop still under way (its exec) is waited for: nothing of this job is left running in the helper.
  await stopping
  // The stream ends as the process does; its exit code may take a moment to be recorded.
  for (let i = 0; ; i++) {
    const info = await exec.inspect()
    if (!info.Running || i >= 50) return {code: info.Running ? -1 : (info.ExitCode ?? -1), output: Buffer.concat(chunks).toString('utf8'), container: info.ContainerID}
    await new Promise((r) => setTimeout(r, 20))
  }
}
