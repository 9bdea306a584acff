import {Args, Flags} from '@oclif/core'
import {switchBranch} from '../app/switch.js'
import {BaseCommand} from '../cli/base.js'

export default class Switch extends BaseCommand<typeof Switch> {
  static override summary = "Check out a branch and run its stack with its own data."
  static override description = `Checks BRANCH out with git, stops the current branch's stack (its containers and volumes stay) and brings BRANCH's stack up with BRANCH's own volumes. The first time a branch is used, its data volumes start from the base branch's data (berth.yml base_branch, else the repository's default branch): copy-on-write where the engine can, else a copy; --from-snapshot starts them from a snapshot instead; switching back to a branch used before reuses its volumes. Refuses when tracked files have uncommitted changes, unless --stash or --force.`
  static override examples = [
    '<%= config.bin %> <%= command.id %> feat/login',
    '<%= config.bin %> <%= command.id %> --create feat/new-idea',
    '<%= config.bin %> <%= command.id %> --create try-migration --from-snapshot before-migration',
    '<%= config.bin %> <%= command.id %> main --stash',
    '<%= config.bin %> <%= command.id %> main --env qa',
  ]
  static override args = {
    branch: Args.string({description: 'The branch to switch to.', required: true}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'Environment to run on the target branch.', default: 'dev'}),
    create: Flags.boolean({char: 'c', summary: 'Create the branch from the current commit.'}),
    stash: Flags.boolean({summary: 'Stash uncommitted changes first (git stash push).', exclusive: ['force']}),
    force: Flags.boolean({summary: 'Switch with uncommitted changes, carrying them over (as git switch does; nothing is discarded).'}),
    'from-snapshot': Flags.string({summary: "With --create: the new branch's data starts from this snapshot (berth snapshot ls), not from the base branch's.", dependsOn: ['create']}),
    'wait-timeout': Flags.integer({summary: 'Seconds to wait for the services to be healthy.', min: 1}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Switch)
    const deps = await this.deps(this.reporter(flags.quiet || flags.json))
    const reload = () => this.project(flags.dir, deps)
    const project = await reload()
    const options = {branch: args.branch, env: flags.env, create: flags.create, stash: flags.stash, force: flags.force, waitTimeout: flags['wait-timeout'], fromSnapshot: flags['from-snapshot']}
    const result = await switchBranch(project, options, reload, deps)
    if (flags.json) {
      this.printJson({from: result.from, to: result.to, paused: result.paused, stashed: result.stashed, stack: result.up.render.project, env: result.up.render.env.name, services: result.up.status?.services ?? []})
      return
    }
    // cli-table3 is loaded only when a table is printed (not on every start-up).
    const {servicesTable} = await import('../cli/format.js')
    process.stdout.write(`${servicesTable(result.up.status?.services ?? [])}\n`)
    deps.reporter.info(`On branch ${result.to}${result.paused.length ? `; ${result.paused.join(', ')} paused (kept warm)` : ''}.`)
  }
}
