/**
 * Use case: berth switch BRANCH. Refuses on a dirty work tree (unless --stash or --force), checks the
 * branch out with git (argv arrays), stops the current branch's stack (stop, not down: its containers
 * stay for a fast switch back) and brings the target branch's stack up with its own volumes (a new
 * branch's data volumes are seeded from the base branch; a branch used before reuses its volumes).
 * Every step converges when run again: an interrupted switch is finished by running it again.
 */
import {BerthError, ExitCode} from '../core/errors.js'
import {LABEL} from '../core/naming.js'
import {SNAPSHOT_KIND, SNAPSHOT_LABEL} from '../core/cow.js'
import {freezeStack, retireStack, unfreeze, type Frozen} from './door/warm.js'
import {locked} from './locked.js'
import type {Deps} from './ports.js'
import type {Project} from './project.js'
import {composeOutput, upStack, type UpResult} from './up.js'

export interface SwitchOptions {
  branch: string
  env: string
  create?: boolean
  stash?: boolean
  force?: boolean
  waitTimeout?: number
  /** With create: the new branch's data starts from this snapshot, not from the base branch's. */
  fromSnapshot?: string
}

/** Load the project again (after a checkout, berth.yml may differ). */
export type Reload = () => Promise<Project>

export interface SwitchResult {
  from: string | null
  to: string
  /** The previous branch's stacks, paused (kept warm). */
  paused: string[]
  up: UpResult
  stashed: boolean
}

/**
 * Freeze the running stacks of a branch: detached from their front door and paused, so they see nothing
 * of the checkout that follows and come back in a moment (kept warm). A stack made by an older berth
 * (publishing its own ports, no door) is stopped instead. Containers and volumes always stay.
 */
export async function freezeBranchStacks(project: Project, branch: string | null, deps: Pick<Deps, 'engine' | 'compose' | 'reporter' | 'state' | 'clock'>): Promise<Frozen[]> {
  if (branch === null) return []
  const name = project.stack.value.name
  const running = await deps.engine.containers({[LABEL.project]: name, [LABEL.branch]: branch}, false)
  const stacks = new Map<string, string | undefined>()
  for (const c of running) {
    const stack = c.Labels?.['com.docker.compose.project']
    if (!stack || c.State !== 'running') continue
    const door = c.Labels?.[LABEL.door]
    if (door || !stacks.has(stack)) stacks.set(stack, door)
  }
  const frozen: Frozen[] = []
  for (const [stack, door] of [...stacks].sort()) {
    if (door) {
      deps.reporter.step(`Pausing ${stack} (branch ${branch}): kept warm for a quick switch back`)
      const f = await freezeStack(deps, door, stack, name)
      if (f.stopped) deps.reporter.warn(`the engine could not pause ${stack}; it was stopped instead (its data stays)`)
      frozen.push(f)
    } else {
      deps.reporter.step(`Stopping ${stack} (branch ${branch}; its volumes stay)`)
      await retireStack(deps, stack, composeOutput(deps.reporter))
    }
  }
  return frozen
}

/** --from-snapshot: before anything changes, the snapshot exists and the new branch has no data yet. */
async function checkSnapshot(project: Project, options: SwitchOptions, deps: Deps): Promise<void> {
  if (!options.create || (await deps.git.branchExists(project.root, options.branch))) {
    throw new BerthError('--from-snapshot makes a new branch: use it with --create and a branch that does not exist yet', {
      exitCode: ExitCode.USAGE,
      hints: [`Put a snapshot back onto an existing branch instead: berth switch ${options.branch}, then berth snapshot restore ${options.fromSnapshot}`],
    })
  }
  const name = project.stack.value.name
  const found = await deps.engine.volumes({[LABEL.project]: name, [LABEL.kind]: SNAPSHOT_KIND, [SNAPSHOT_LABEL.name]: options.fromSnapshot!})
  if (found.length === 0) throw new BerthError(`no snapshot named ${JSON.stringify(options.fromSnapshot)}`, {exitCode: ExitCode.USAGE, hints: ['See them: berth snapshot ls']})
  const existing = await deps.engine.volumes({[LABEL.project]: name, [LABEL.kind]: 'data', [LABEL.branch]: options.branch})
  if (existing.length) {
    throw new BerthError(`branch ${JSON.stringify(options.branch)} has data volumes already (${existing[0].Name}); berth never overwrites data`, {exitCode: ExitCode.REFUSED})
  }
}

/** berth switch: the lock, then the switch. */
export function switchBranch(project: Project, options: SwitchOptions, reload: Reload, deps: Deps): Promise<SwitchResult> {
  const from = project.ctx.branch
  if (from === null) {
    throw new BerthError('berth switch needs a git repository', {exitCode: ExitCode.GIT, hints: ['Run it inside your repository (git init, or cd into it).']})
  }
  return locked(project, deps, () => switchLocked(project, options, reload, deps))
}

async function switchLocked(project: Project, options: SwitchOptions, reload: Reload, deps: Deps): Promise<SwitchResult> {
  const from = project.ctx.branch
  const to = options.branch
  if (from === null) {
    throw new BerthError('berth switch needs a git repository', {exitCode: ExitCode.GIT, hints: ['Run it inside your repository (git init, or cd into it).']})
  }
  let stashed = false
  let exists = true
  if (options.fromSnapshot) await checkSnapshot(project, options, deps)
  if (from !== to) {
    const dirty = await deps.git.dirtyFiles(project.root)
    if (dirty.length > 0 && !options.stash && !options.force) {
      const shown = dirty.slice(0, 5).join(', ') + (dirty.length > 5 ? `, and ${dirty.length - 5} more` : '')
      throw new BerthError(`the work tree has uncommitted changes (${shown}); not switching`, {
        exitCode: ExitCode.GIT,
        hints: [
          'Commit them, or run again with --stash (git stash push; git stash pop later) ',
          'or with --force to carry the changes over to the other branch, as git switch does.',
        ],
      })
    }
    exists = await deps.git.branchExists(project.root, to)
    if (!exists && !options.create) {
      throw new BerthError(`there is no branch ${JSON.stringify(to)}`, {exitCode: ExitCode.GIT, hints: [`Create it from the current commit: berth switch --create ${JSON.stringify(to)}`]})
    }
    if (dirty.length > 0 && options.stash) {
      await deps.git.stash(project.root, `berth switch: changes on ${from}`)
      stashed = true
      deps.reporter.step('Stashed your changes (git stash pop to get them back)')
    }
  }
  // Frozen before the checkout, so the old branch's app never runs on the new branch's files.
  const frozen = from === to ? [] : await freezeBranchStacks(project, from, deps)
  if (from !== to) {
    deps.reporter.step(`Checking out ${to}`)
    try {
      await deps.git.checkout(project.root, to, !exists)
    } catch (error) {
      for (const f of frozen) await unfreeze(deps, f, project.stack.value.name)
      throw error
    }
  }
  const paused = frozen.filter((f) => !f.stopped).map((f) => f.stack)
  const target = await reload()
  if (target.ctx.branch !== to) {
    throw new BerthError(`after the checkout, git reports branch ${JSON.stringify(target.ctx.branch)}, not ${JSON.stringify(to)}`, {
      exitCode: ExitCode.GIT,
      hints: ['Is BERTH_BRANCH set? It overrides the branch git reports; unset it for berth switch.'],
    })
  }
  const up = await upStack(target, {env: options.env, waitTimeout: options.waitTimeout, fromSnapshot: options.fromSnapshot}, deps)
  // A stack whose data became a copy-on-write layer for the new branch was stopped meanwhile: it is not warm.
  const still = await Promise.all(paused.map(async (stack) => (await deps.engine.containers({'com.docker.compose.project': stack}, true)).length > 0))
  return {from, to, paused: paused.filter((_, i) => still[i]), up, stashed}
}
