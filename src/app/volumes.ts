/**
 * Use cases for berth's volumes: creating a stack's volumes (a new branch's data volumes seeded by a
 * clone of the base branch's), cloning, listing, removing and pruning per-branch volumes.
 *
 * Clone safety: the target is created with the label dev.berth.seed-from=SOURCE; the helper writes a
 * marker file (.berth-clone-incomplete) into the target before anything else and removes it only after
 * the copy succeeded. A target with the marker, or still empty, is redone the next time it is used,
 * so an interrupted clone (Ctrl-C, kill -9) ends up either as it was or completely done. Seeded volumes
 * once seen complete are remembered in the state file, so switching back costs no look inside.
 */
import {randomBytes} from 'node:crypto'
import {BerthError, ExitCode} from '../core/errors.js'
import {judgeClone, resolveBaseBranch, selectPrunable, unescapeDollars, type CloneCheck} from '../core/branches.js'
import {resolveImage} from '../core/images.js'
import {composeProjectName, LABEL, volumeName} from '../core/naming.js'
import type {RenderedVolume, RenderResult} from '../core/render.js'
import type {Reporter} from '../cli/reporter.js'
import type {Engine, VolumeInfo} from '../docker/engine.js'
import {baseBranchFacts, localBranches} from '../infra/git-branches.js'
import {readState, updateState, type ProjectState} from '../infra/state.js'
import type {Project} from './project.js'
import {settleHealth} from './door.js'

export const SEED_FROM_LABEL = 'dev.berth.seed-from'
/**
 * A seeded volume's identity, set when berth creates it. Docker's CreatedAt of a local volume is the
 * change time of its folder, which moves whenever the service adds a file at the top (redis's dump.rdb):
 * it cannot tell "the volume seen complete" from "a new volume of the same name".
 */
export const SEED_ID_LABEL = 'dev.berth.seed-id'
const seedId = (v: VolumeInfo | undefined): string | undefined => v?.Labels?.[SEED_ID_LABEL] ?? v?.CreatedAt
const newSeedId = (): string => `${new Date().toISOString()}-${randomBytes(4).toString('hex')}`
export const HELPER_LABEL = 'dev.berth.helper'
export const CLONE_MARKER = '.berth-clone-incomplete'
export const DEFAULT_HELPER_IMAGE = 'debian:bookworm-slim'

export interface VolumeDeps {
  engine: Engine
  reporter: Reporter
}

/** Asks the user a yes/no question; undefined when nobody can answer (no terminal). */
export interface Prompt {
  confirm(message: string): Promise<boolean | undefined>
}

/** The helper image: BERTH_HELPER_IMAGE, else debian:bookworm-slim through the image map and registry. */
export function helperImage(project: Project, env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTH_HELPER_IMAGE) return env.BERTH_HELPER_IMAGE
  const file = project.stack.value
  return resolveImage(DEFAULT_HELPER_IMAGE, {images: {...file.images, ...project.ctx.images}, registry: project.ctx.registry ?? file.registry})
}

export async function baseBranch(project: Project): Promise<string> {
  return resolveBaseBranch(await baseBranchFacts(project.root, project.stack.value.base_branch))
}

function helperName(kind: string, target: string): string {
  // Deterministic per target: a leftover helper of an interrupted run is found and removed first.
  return `berth-${kind}-${target}`.slice(0, 200)
}

// bash: pipefail makes a failed read of the source fail the copy. No value from the user is in here:
// the volumes are mounted at /from and /to.
const CLONE_SCRIPT = [
  'set -euo pipefail',
  `touch /to/${CLONE_MARKER}`,
  `find /to -mindepth 1 -maxdepth 1 ! -name ${CLONE_MARKER} -exec rm -rf {} +`,
  'if [ -d /from ]; then tar --numeric-owner -C /from -cf - . | tar --numeric-owner -C /to -xpf -; fi',
  `rm -f /to/${CLONE_MARKER}`,
].join('\n')

const CHECK_SCRIPT = `if [ -e /to/${CLONE_MARKER} ]; then echo marker; elif [ -z "$(ls -A /to)" ]; then echo empty; else echo complete; fi`

/** Look inside a seeded volume: is its clone complete? */
export async function checkClone(engine: Engine, image: string, target: string, labels: Record<string, string>): Promise<CloneCheck> {
  await engine.removeContainer(helperName('check', target), true)
  const r = await engine.runHelper({
    name: helperName('check', target),
    image,
    cmd: ['sh', '-c', CHECK_SCRIPT],
    mounts: [{source: target, target: '/to', readOnly: true}],
    labels: {...labels, [HELPER_LABEL]: 'check'},
  })
  if (r.code !== 0) throw new BerthError(`could not look inside volume ${target}: ${r.output.trim()}`, {exitCode: ExitCode.DOCKER})
  const said = r.output.trim()
  return judgeClone(said === 'marker', said === 'empty')
}

/**
 * Copy SOURCE into TARGET (which exists), preserving owners, permissions, symlinks and hard links.
 * Running containers that use the source (a database server) are paused for the copy and resumed
 * afterwards, so the copy is a consistent snapshot. SOURCE undefined: empty the target.
 */
/**
 * Resume containers a copy paused and never resumed (berth was killed with -9 during the copy). Runs under
 * the project lock, before any copy and at every up, so re-running any berth command converges.
 */
export async function resumePaused(engine: Pick<Engine, 'unpauseContainer'>, project: string): Promise<string[]> {
  const ids = readState(project).paused ?? []
  if (ids.length === 0) return []
  const resumed: string[] = []
  for (const id of ids) {
    // Gone, or no longer paused: nothing to do, either way it is off the list.
    if (await engine.unpauseContainer(id).then(() => true, () => false)) resumed.push(id)
  }
  updateState(project, (s) => void (s.paused = (s.paused ?? []).filter((id) => !ids.includes(id))))
  return resumed
}

/**
 * Remove the copy and check helper containers a killed berth left behind (run under the project's lock,
 * so none of them is in use). One still copying is stopped: its target keeps the marker and is copied again.
 */
export async function removeLeftoverHelpers(engine: Pick<Engine, 'containers' | 'removeContainer'>, project: string): Promise<number> {
  const left = await engine.containers({[LABEL.project]: project, [HELPER_LABEL]: undefined}, true)
  await Promise.all(left.map((c) => engine.removeContainer(c.Id, true)))
  return left.length
}

export async function cloneInto(engine: Engine, spec: {source?: string; target: string; image: string; labels: Record<string, string>}): Promise<void> {
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
  const onSigint = () => {
    interrupted = true
    // The helper stops; the target keeps its marker and is redone next time.
    void engine.removeContainer(name, true).catch(() => undefined)
  }
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigint)
  const project = spec.labels[LABEL.project]
  if (project) await resumePaused(engine, project)
  try {
    if (spec.source) {
      for (const c of await engine.containersUsingVolume(spec.source)) {
        if (c.State !== 'running') continue
        // Recorded first: if berth is killed during the copy, the next berth command resumes it.
        if (project) updateState(project, (s) => void (s.paused = [...new Set([...(s.paused ?? []), c.Id])]))
        await engine.pauseContainer(c.Id)
        paused.push(c.Id)
      }
    }
    const mounts = [{source: spec.target, target: '/to'}]
    if (spec.source) mounts.push({source: spec.source, target: '/from', readOnly: true} as (typeof mounts)[number])
    const r = await engine.runHelper({name, image: spec.image, cmd: ['bash', '-c', CLONE_SCRIPT], mounts, labels: {...spec.labels, [HELPER_LABEL]: 'clone'}})
    if (interrupted) throw new BerthError(`interrupted while copying into ${spec.target}; it will be redone next time`, {exitCode: ExitCode.INTERRUPTED})
    if (r.code !== 0) {
      throw new BerthError(`copying volume ${spec.source} into ${spec.target} failed (exit ${r.code}): ${r.output.trim().split('\n').slice(-5).join(' / ')}`, {
        exitCode: ExitCode.DOCKER,
        hints: ['Run the same berth command again: an incomplete copy is detected and redone.'],
      })
    }
  } finally {
    for (const id of paused) await engine.unpauseContainer(id).catch(() => undefined)
    if (project && paused.length) updateState(project, (s) => void (s.paused = (s.paused ?? []).filter((id) => !paused.includes(id))))
    // Healthy again in Docker's eyes too (it calls a paused container unhealthy), so a Compose run right after does not fail.
    if (!interrupted) await settleHealth(engine, paused)
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigint)
  }
}

function engineLabels(v: RenderedVolume): Record<string, string> {
  return Object.fromEntries(Object.entries(v.labels).map(([k, val]) => [k, unescapeDollars(val)]))
}

/** The volume a seeded volume was copied from, while its copy is not known to be complete (else undefined). */
function unfinishedCopyOf(volume: VolumeInfo, state: ProjectState): string | undefined {
  const from = volume.Labels?.[SEED_FROM_LABEL]
  return from && state.volumes[volume.Name]?.complete !== seedId(volume) ? from : undefined
}

/** Look inside a copy not known complete, and copy again if it was interrupted (from nothing if its source is gone). */
async function finishInterruptedCopy(engine: Engine, image: string, target: string, from: string, labels: Record<string, string>, reporter: Reporter): Promise<void> {
  if ((await checkClone(engine, image, target, labels)) !== 'incomplete') return
  const source = (await engine.volume(from)) ? from : undefined
  reporter.step(`Finishing an interrupted copy: ${source ?? '(empty)'} -> ${target}`)
  await cloneInto(engine, {source, target, image, labels})
}

/**
 * Make every volume of a rendered stack ready: create missing ones (a new branch's data volume as a
 * clone of the base branch's, unless seed: empty or the base has none), finish interrupted clones,
 * and record the last use.
 */
export async function prepareVolumes(project: Project, result: RenderResult, deps: VolumeDeps): Promise<void> {
  const {engine, reporter} = deps
  const file = project.stack.value
  const branch = project.ctx.branch
  await removeLeftoverHelpers(engine, file.name)
  const leftPaused = await resumePaused(engine, file.name)
  for (const id of leftPaused) reporter.step(`Resumed container ${id.slice(0, 12)}, left paused by an interrupted copy`)
  // Compose, next, would take a resumed database for unhealthy: wait for Docker's next probe.
  await settleHealth(engine, leftPaused)
  const state = readState(file.name)
  let base: string | undefined
  const now = new Date().toISOString()
  const touched: Record<string, {complete?: string}> = {}

  for (const v of result.volumes) {
    const labels = engineLabels(v)
    const existing = await engine.volume(v.name)
    if (existing) {
      const from = unfinishedCopyOf(existing, state)
      if (from) {
        await finishInterruptedCopy(engine, helperImage(project), v.name, from, labels, reporter)
        touched[v.name] = {complete: seedId(existing)}
      } else touched[v.name] = {}
      continue
    }
    let source: string | undefined
    if (v.kind === 'data' && v.seed === 'base' && branch !== null) {
      base ??= await baseBranch(project)
      if (base !== branch) {
        const candidate = volumeName({project: file.name, env: result.env.name, branch: base, service: v.service, key: v.key, kind: 'data'})
        if (await engine.volume(candidate)) source = candidate
      }
    }
    if (!source) {
      await engine.ensureVolume(v.name, labels)
      reporter.step(`Created volume ${v.name} (${v.kind}, ${v.service}:${v.path}${v.kind === 'data' ? ', empty' : ''})`)
      touched[v.name] = {}
      continue
    }
    await engine.ensureVolume(v.name, {...labels, [SEED_FROM_LABEL]: source, [SEED_ID_LABEL]: newSeedId()})
    reporter.step(`Seeding ${v.name} from branch ${base} (${source})`)
    await cloneInto(engine, {source, target: v.name, image: helperImage(project), labels})
    touched[v.name] = {complete: seedId(await engine.volume(v.name))}
  }

  updateState(file.name, (s) => {
    for (const [name, t] of Object.entries(touched)) {
      s.volumes[name] = {...s.volumes[name], lastUsed: now, ...(t.complete ? {complete: t.complete} : {})}
    }
  })
}

// --- volumes ls / clone / rm / prune ---

export interface VolumeEntry {
  project: string
  env: string
  branch: string
  service: string
  key: string
  kind: string
  volume: string
  /** Bytes, or null when unknown. */
  size: number | null
  /** Whether git still has the branch (null for shared and cache volumes, or outside git). */
  branchInGit: boolean | null
  current: boolean
  lastUsed: string | null
  createdAt: string | null
}

function toEntry(v: VolumeInfo, sizes: Map<string, number>, branches: Set<string> | undefined, current: string | null, lastUsed: Record<string, {lastUsed?: string}>): VolumeEntry {
  const l = v.Labels ?? {}
  const kind = l[LABEL.kind] ?? 'data'
  const branch = l[LABEL.branch] ?? ''
  const size = sizes.get(v.Name)
  return {
    project: l[LABEL.project] ?? '',
    env: l[LABEL.env] ?? '',
    branch,
    service: l[LABEL.service] ?? '',
    key: l[LABEL.volume] ?? '',
    kind,
    volume: v.Name,
    size: size === undefined || size < 0 ? null : size,
    branchInGit: kind === 'data' && branch && branches ? branches.has(branch) : null,
    current: kind === 'data' && branch === current,
    lastUsed: lastUsed[v.Name]?.lastUsed ?? null,
    createdAt: v.CreatedAt ?? null,
  }
}

export async function listVolumes(project: Project, engine: Engine, options: {sizes?: boolean} = {}): Promise<VolumeEntry[]> {
  const name = project.stack.value.name
  const [volumes, sizes, branches] = await Promise.all([
    engine.volumes({[LABEL.project]: name}),
    options.sizes === false ? Promise.resolve(new Map<string, number>()) : engine.volumeSizes(),
    localBranches(project.root).then((b) => new Set(b), () => undefined),
  ])
  const state = readState(name)
  return volumes
    .filter((v) => !v.Labels?.[HELPER_LABEL])
    .map((v) => toEntry(v, sizes, branches, project.ctx.branch, state.volumes))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.branch.localeCompare(b.branch) || a.env.localeCompare(b.env) || a.volume.localeCompare(b.volume))
}

export interface CloneResult {
  from: string
  to: string
  volumes: Array<{source: string; target: string}>
}

/** Clone every data volume of branch FROM (one environment) into branch TO's names. */
export async function cloneBranchVolumes(project: Project, from: string, to: string, env: string, deps: VolumeDeps): Promise<CloneResult> {
  const {engine, reporter} = deps
  const file = project.stack.value
  if (from === to) throw new BerthError('FROM and TO are the same branch', {exitCode: ExitCode.USAGE})
  const sources = (await engine.volumes({[LABEL.project]: file.name, [LABEL.branch]: from, [LABEL.kind]: 'data', [LABEL.env]: env})).filter((v) => !v.Labels?.[HELPER_LABEL])
  if (sources.length === 0) {
    throw new BerthError(`branch "${from}" has no data volumes in ${env}`, {exitCode: ExitCode.USAGE, hints: ['See what exists: berth volumes ls']})
  }
  const pairs = sources.map((s) => {
    const l = s.Labels ?? {}
    const target = volumeName({project: file.name, env, branch: to, service: l[LABEL.service] ?? '', key: l[LABEL.volume] ?? '', kind: 'data'})
    const labels: Record<string, string> = {...l, [LABEL.branch]: to, [LABEL.stack]: composeProjectName(file.name, env, to)}
    delete labels[SEED_FROM_LABEL]
    return {source: s.Name, target, labels}
  })
  await removeLeftoverHelpers(engine, file.name)
  const state = readState(file.name)
  // A target that exists is refused, unless it is this very copy, interrupted (killed, Ctrl-C): that one is finished.
  const unfinished = new Set<string>()
  for (const p of pairs) {
    const existing = await engine.volume(p.target)
    if (!existing) continue
    if (unfinishedCopyOf(existing, state) === p.source) {
      unfinished.add(p.target)
      continue
    }
    throw new BerthError(`branch "${to}" already has volume ${p.target}; berth never overwrites data`, {
      exitCode: ExitCode.USAGE,
      hints: [`Remove it first if you mean it: berth volumes rm ${JSON.stringify(to)}`],
    })
  }
  const image = helperImage(project)
  for (const p of pairs) {
    if (unfinished.has(p.target)) await finishInterruptedCopy(engine, image, p.target, p.source, p.labels, reporter)
    else {
      await engine.ensureVolume(p.target, {...p.labels, [SEED_FROM_LABEL]: p.source, [SEED_ID_LABEL]: newSeedId()})
      reporter.step(`Copying ${p.source} -> ${p.target}`)
      await cloneInto(engine, {source: p.source, target: p.target, image, labels: p.labels})
    }
    const created = seedId(await engine.volume(p.target))
    updateState(file.name, (s) => {
      s.volumes[p.target] = {...s.volumes[p.target], ...(created ? {complete: created} : {})}
    })
  }
  return {from, to, volumes: pairs.map(({source, target}) => ({source, target}))}
}

async function confirmOrRefuse(prompt: Prompt | undefined, yes: boolean | undefined, question: string): Promise<boolean> {
  if (yes) return true
  const answer = await prompt?.confirm(question)
  if (answer === undefined) {
    throw new BerthError('refusing to remove volumes without a confirmation, and there is no terminal to ask on', {
      exitCode: ExitCode.USAGE,
      hints: ['Run it in a terminal, or pass --yes if you are sure.'],
    })
  }
  return answer
}

export interface RemoveResult {
  removed: string[]
  /** Nothing removed: the user said no. */
  declined: boolean
}

/**
 * Remove the given data volumes, and the stopped or paused (kept warm) berth containers of their stacks
 * that hold them: without its data, a branch's warm stack is of no use. A running one makes us stop.
 */
async function removeVolumes(project: Project, entries: VolumeEntry[], deps: VolumeDeps): Promise<string[]> {
  const {engine, reporter} = deps
  const removed: string[] = []
  for (const e of entries) {
    const users = await engine.containersUsingVolume(e.volume, true)
    const running = users.filter((c) => c.State === 'running' || c.State === 'restarting')
    if (running.length) {
      throw new BerthError(`volume ${e.volume} is in use by running container ${(running[0].Names?.[0] ?? running[0].Id).replace(/^\//, '')}`, {
        exitCode: ExitCode.PREFLIGHT,
        hints: [`Stop that branch's stack first (berth down on branch ${JSON.stringify(e.branch)}), then run this again.`],
      })
    }
    const stacks = new Set<string>()
    for (const c of users) {
      // Only berth's own stopped containers of this project; anything else makes us stop.
      if (c.Labels?.[LABEL.project] !== project.stack.value.name) {
        throw new BerthError(`volume ${e.volume} is used by container ${(c.Names?.[0] ?? c.Id).replace(/^\//, '')}, which berth did not create`, {exitCode: ExitCode.PREFLIGHT})
      }
      const stack = c.Labels?.['com.docker.compose.project']
      if (stack) stacks.add(stack)
      else await engine.removeContainer(c.Id, c.State === 'paused')
    }
    // The whole stack of the branch goes (a stack without its data is of no use, and half a stack
    // confuses Compose): its containers, stopped or paused, and its network. None of them runs.
    for (const stack of stacks) {
      const members = await engine.containers({'com.docker.compose.project': stack})
      const live = members.find((c) => c.State === 'running' || c.State === 'restarting')
      if (live) {
        throw new BerthError(`stack ${stack} still runs container ${(live.Names?.[0] ?? live.Id).replace(/^\//, '')}`, {
          exitCode: ExitCode.PREFLIGHT,
          hints: [`Stop that branch's stack first (berth down on branch ${JSON.stringify(e.branch)}), then run this again.`],
        })
      }
      for (const c of members) await engine.removeContainer(c.Id, true)
      await engine.removeNetworks({'com.docker.compose.project': stack})
      reporter.step(`Removed the containers of ${stack}`)
    }
    await engine.removeVolume(e.volume)
    reporter.step(`Removed volume ${e.volume}`)
    removed.push(e.volume)
  }
  updateState(project.stack.value.name, (s) => {
    for (const v of removed) delete s.volumes[v]
  })
  return removed
}

/** berth volumes rm BRANCH: the branch's data volumes (every environment), after a confirmation. */
export async function removeBranchVolumes(project: Project, branch: string, options: {yes?: boolean; prompt?: Prompt}, deps: VolumeDeps): Promise<RemoveResult & {volumes: VolumeEntry[]}> {
  const all = await listVolumes(project, deps.engine, {sizes: false})
  const volumes = all.filter((v) => v.kind === 'data' && v.branch === branch)
  if (volumes.length === 0) return {removed: [], declined: false, volumes}
  deps.reporter.info(`Data volumes of branch ${JSON.stringify(branch)}:\n${volumes.map((v) => `  ${v.volume}`).join('\n')}`)
  if (!(await confirmOrRefuse(options.prompt, options.yes, `Remove these ${volumes.length} volume(s) and their data?`))) return {removed: [], declined: true, volumes}
  return {removed: await removeVolumes(project, volumes, deps), declined: false, volumes}
}

/** berth volumes prune: data volumes of branches git no longer has, after a confirmation. Nothing else. */
export async function pruneVolumes(project: Project, options: {yes?: boolean; prompt?: Prompt; dryRun?: boolean; detached?: boolean}, deps: VolumeDeps): Promise<RemoveResult & {volumes: VolumeEntry[]}> {
  if (project.ctx.branch === null) throw new BerthError('volumes prune needs a git repository (it removes the volumes of deleted branches)', {exitCode: ExitCode.GIT})
  const branches = await localBranches(project.root)
  const all = await listVolumes(project, deps.engine, {sizes: false})
  const volumes = selectPrunable(all, branches, project.ctx.branch, {detached: options.detached})
  if (volumes.length === 0 || options.dryRun) return {removed: [], declined: false, volumes}
  deps.reporter.info(`Volumes of branches git no longer has${options.detached ? ' (or of detached HEADs)' : ''}:\n${volumes.map((v) => `  ${v.volume}  (branch ${JSON.stringify(v.branch)}, ${v.env})`).join('\n')}`)
  if (!(await confirmOrRefuse(options.prompt, options.yes, `Remove these ${volumes.length} volume(s) and their data?`))) return {removed: [], declined: true, volumes}
  return {removed: await removeVolumes(project, volumes, deps), declined: false, volumes}
}
