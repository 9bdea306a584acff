/**
 * Copying volumes safely, in a helper container (runtime/clone.sh: tar, owners, permissions, symlinks and
 * hard links kept). The target is created with dev.berth.seed-from=SOURCE; the helper writes a marker
 * file into the target before anything else and removes it only after the copy succeeded. A target with
 * the marker, or still empty, is redone the next time it is used, so an interrupted copy (Ctrl-C, kill -9)
 * ends up either as it was or completely done. Seeded volumes once seen complete are remembered in the
 * state file, so switching back costs no look inside.
 */
import {randomBytes} from 'node:crypto'
import {judgeClone, unescapeDollars, type CloneCheck} from '../../core/branches.js'
import {volumeDir, volumeRootOf} from '../../core/cow.js'
import {BerthError, ExitCode} from '../../core/errors.js'
import {resolveImage} from '../../core/images.js'
import {HELPER_LABEL, LABEL, SEED_FROM_LABEL, SEED_ID_LABEL} from '../../core/naming.js'
import type {RenderedVolume} from '../../core/render.js'
import {settleHealth} from '../health.js'
import {pauseContainer} from '../pause.js'
import type {Deps, EnginePort, ProjectState, VolumeInfo, VolumeStep} from '../ports.js'
import type {Project} from '../project.js'

export const DEFAULT_HELPER_IMAGE = 'debian:bookworm-slim'

/** What copying needs. */
export type CopyDeps = Pick<Deps, 'engine' | 'state' | 'clock' | 'install' | 'interrupts' | 'reporter' | 'volumeHelper'> & {env?: NodeJS.ProcessEnv}

export const seedId = (v: VolumeInfo | undefined): string | undefined => v?.Labels?.[SEED_ID_LABEL] ?? v?.CreatedAt
export const newSeedId = (): string => `${new Date().toISOString()}-${randomBytes(4).toString('hex')}`

/** The helper image: BERTH_HELPER_IMAGE, else debian:bookworm-slim through the image map and registry. */
export function helperImage(project: Project, env: NodeJS.ProcessEnv): string {
  if (env.BERTH_HELPER_IMAGE) return env.BERTH_HELPER_IMAGE
  const file = project.stack.value
  return resolveImage(DEFAULT_HELPER_IMAGE, {images: {...file.images, ...project.ctx.images}, registry: project.ctx.registry ?? file.registry})
}

function helperName(kind: string, target: string): string {
  // Deterministic per target: a leftover helper of an interrupted run is found and removed first.
  return `berth-${kind}-${target}`.slice(0, 200)
}

/** Look inside a seeded volume: is its clone complete? */
export async function checkClone(engine: EnginePort, script: string, image: string, target: string, labels: Record<string, string>): Promise<CloneCheck> {
  await engine.removeContainer(helperName('check', target), true)
  const r = await engine.runHelper({
    name: helperName('check', target),
    image,
    cmd: ['sh', '-c', script],
    mounts: [{source: target, target: '/to', readOnly: true}],
    labels: {...labels, [HELPER_LABEL]: 'check'},
  })
  if (r.code !== 0) throw new BerthError(`could not look inside volume ${target}: ${r.output.trim()}`, {exitCode: ExitCode.DOCKER})
  const said = r.output.trim()
  return judgeClone(said === 'marker', said === 'empty')
}

/**
 * Resume containers a copy paused and never resumed (berth was killed with -9 during the copy). Runs under
 * the project lock, before any copy and at every up, so re-running any berth command converges.
 */
export async function resumePaused(deps: {engine: Pick<EnginePort, 'unpauseContainer'>; state: Deps['state']}, project: string): Promise<string[]> {
  const {engine} = deps
  const ids = deps.state.read(project).paused ?? []
  if (ids.length === 0) return []
  const resumed: string[] = []
  for (const id of ids) {
    // Gone, or no longer paused: nothing to do, either way it is off the list.
    if (await engine.unpauseContainer(id).then(() => true, () => false)) resumed.push(id)
  }
  deps.state.update(project, (s) => void (s.paused = (s.paused ?? []).filter((id) => !ids.includes(id))))
  return resumed
}

/**
 * Remove the copy and check helper containers a killed berth left behind, and stop its copies in the warm
 * volume helper (run under the project's lock, so none of them is in use). One still copying is stopped: its
 * target keeps the marker and is copied again.
 */
export async function removeLeftoverHelpers(deps: {engine: Pick<EnginePort, 'containers' | 'removeContainer'>; state: Deps['state']; volumeHelper?: Deps['volumeHelper']}, project: string): Promise<number> {
  const {engine} = deps
  const left = await engine.containers({[LABEL.project]: project, [HELPER_LABEL]: undefined}, true)
  await Promise.all(left.map((c) => engine.removeContainer(c.Id, true)))
  const jobs = deps.state.read(project).copying ?? []
  for (const job of jobs) await deps.volumeHelper?.stop(job)
  if (jobs.length) deps.state.update(project, (s) => void (s.copying = (s.copying ?? []).filter((j) => !jobs.some((k) => k.job === j.job))))
  return left.length + jobs.length
}

/**
 * Copy SOURCE into TARGET (which exists), preserving owners, permissions, symlinks and hard links.
 * Running containers that use the source (a database server) are paused for the copy and resumed
 * afterwards, so the copy is a consistent snapshot. SOURCE undefined: empty the target.
 */
export async function cloneInto(deps: CopyDeps, spec: {source?: string; target: string; image: string; labels: Record<string, string>}): Promise<void> {
  const {engine} = deps
  const name = helperName('clone', spec.target)
  await engine.removeContainer(name, true) // a leftover of an interrupted clone
  const writers = (await engine.containersUsingVolume(spec.target)).filter((c) => c.State === 'running')
  if (writers.length) {
    throw new BerthError(`volume ${spec.target} is in use by running container ${(writers[0].Names?.[0] ?? writers[0].Id).replace(/^\//, '')}`, {
      exitCode: ExitCode.PREFLIGHT,
      hints: ['Stop the stack that uses it first: berth down'],
    })
  }
  const paused: string[] = []
  let interrupted = false
  const stop = new AbortController()
  const onSigint = () => {
    interrupted = true
    // The helper (or the copy in the warm helper) stops; the target keeps its marker and is redone next time.
    stop.abort()
    void engine.removeContainer(name, true).catch(() => undefined)
  }
  // Plain local volumes are folders of the engine's volume root: the copy runs in the warm volume helper
  // (BERTH_WARM_COPY=0: in a helper container of its own, as before the warm helper).
  const root = deps.volumeHelper && deps.env?.BERTH_WARM_COPY !== '0' ? await plainRoot(engine, spec.source, spec.target) : undefined
  const unwatch = deps.interrupts.watch(onSigint)
  const project = spec.labels[LABEL.project]
  if (project) await resumePaused(deps, project)
  try {
    if (spec.source) {
      for (const c of await engine.containersUsingVolume(spec.source)) {
        if (c.State !== 'running') continue
        // Recorded first: if berth is killed during the copy, the next berth command resumes it.
        if (project) deps.state.update(project, (s) => void (s.paused = [...new Set([...(s.paused ?? []), c.Id])]))
        // Paused, the copy is a consistent snapshot; a database that cannot be frozen is not copied live.
        await pauseContainer(deps, c.Id).catch((error: unknown) => {
          throw new BerthError(`cannot pause ${(c.Names?.[0] ?? c.Id).replace(/^\//, '')} for a consistent copy of ${spec.source}: ${(error as Error).message}`, {
            exitCode: ExitCode.DOCKER,
            hints: ['The engine could not freeze it (this happens under heavy load); run the same command again.'],
            cause: error,
          })
        })
        paused.push(c.Id)
      }
    }
    const mounts = [{source: spec.target, target: '/to'}]
    if (spec.source) mounts.push({source: spec.source, target: '/from', readOnly: true} as (typeof mounts)[number])
    const stopped = () => new BerthError(`interrupted while copying into ${spec.target}; run the same command again to finish it`, {exitCode: ExitCode.INTERRUPTED})
    const script = deps.install.runtimeScript('clone.sh')
    const from = spec.source && root ? volumeDir('/vols', spec.source) : '/nonexistent'
    const warm = root ? await warmCopy(deps, project, {image: spec.image, root, script, argv: ['clone.sh', from, volumeDir('/vols', spec.target)], job: spec.target, stop: stop.signal}) : undefined
    if (interrupted) throw stopped()
    const r =
      warm ??
      (await engine.runHelper({name, image: spec.image, cmd: ['bash', '-c', script], mounts, labels: {...spec.labels, [HELPER_LABEL]: 'clone'}}).catch((error: unknown) => {
        // The helper was removed under it (Ctrl-C): the engine's complaint about it is not the news.
        throw interrupted ? stopped() : error
      }))
    if (interrupted) throw stopped()
    if (r.code !== 0) {
      throw new BerthError(`copying volume ${spec.source} into ${spec.target} failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-5).join(' / ')}`, {
        exitCode: ExitCode.DOCKER,
        hints: ['Run the same berth command again: an incomplete copy is detected and redone.'],
      })
    }
  } finally {
    for (const id of paused) await engine.unpauseContainer(id).catch(() => undefined)
    if (project && paused.length) deps.state.update(project, (s) => void (s.paused = (s.paused ?? []).filter((id) => !paused.includes(id))))
    // Healthy again in Docker's eyes too (it calls a paused container unhealthy), so a Compose run right after does not fail.
    if (!interrupted) await settleHealth(deps, paused)
    unwatch()
  }
}

/** A copy in the warm volume helper, recorded while it runs: a berth killed meanwhile leaves the record, and the next command stops the copy. */
async function warmCopy(deps: CopyDeps, project: string | undefined, step: VolumeStep & {job: string}): Promise<{code: number; output: string} | undefined> {
  const job = {job: step.job, image: step.image, root: step.root}
  if (project) deps.state.update(project, (s) => void (s.copying = [...(s.copying ?? []).filter((j) => j.job !== job.job), job]))
  try {
    return await deps.volumeHelper!.run(step)
  } finally {
    if (project) deps.state.update(project, (s) => void (s.copying = (s.copying ?? []).filter((j) => j.job !== job.job)))
  }
}

/** The engine's volume root when the source (if any) and the target are plain volumes of the local driver in it. */
async function plainRoot(engine: EnginePort, source: string | undefined, target: string): Promise<string | undefined> {
  let root: string | undefined
  for (const name of source ? [source, target] : [target]) {
    const v = await engine.volume(name)
    // A volume with driver options (a copy-on-write overlay) is only a folder while a container mounts it.
    if (!v || v.Driver !== 'local' || Object.keys(v.Options ?? {}).length > 0) return undefined
    const at = volumeRootOf(name, v.Mountpoint)
    if (!at || (root && at !== root)) return undefined
    root = at
  }
  return root
}

export function engineLabels(v: RenderedVolume): Record<string, string> {
  return Object.fromEntries(Object.entries(v.labels).map(([k, val]) => [k, unescapeDollars(val)]))
}

/** The volume a seeded volume was copied from, while its copy is not known to be complete (else undefined). */
export function unfinishedCopyOf(volume: VolumeInfo, state: ProjectState): string | undefined {
  const from = volume.Labels?.[SEED_FROM_LABEL]
  return from && state.volumes[volume.Name]?.complete !== seedId(volume) ? from : undefined
}

/** Look inside a copy not known complete, and copy again if it was interrupted (from nothing if its source is gone). */
export async function finishInterruptedCopy(deps: CopyDeps, image: string, target: string, from: string, labels: Record<string, string>): Promise<void> {
  const {engine, reporter} = deps
  if ((await checkClone(engine, deps.install.runtimeScript('check-clone.sh'), image, target, labels)) !== 'incomplete') return
  const source = (await engine.volume(from)) ? from : undefined
  reporter.step(`Finishing an interrupted copy: ${source ?? '(empty)'} -> ${target}`)
  await cloneInto(deps, {source, target, image, labels})
}
