import {Args, Flags} from '@oclif/core'
import {diffProject, diffWorkTree} from '../app/diff.js'
import {BaseCommand} from '../cli/base.js'
import {strictError} from '../core/diff/parity.js'

export default class Diff extends BaseCommand<typeof Diff> {
  static override summary = 'Compare two environments (or one environment on two branches) as rendered.'
  static override description = `A semantic diff of the rendered Compose models, per service: image or build, command, environment variables (secrets masked, \${VAR} references as written), ports, mounts, limits, read-only, user, healthcheck, inspector, replicas, restart; then the parity warnings. Nothing is started.
Without arguments: dev against qa. With one: dev against it; with --branch: that environment on this branch against the same on the other branch.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> dev qa --json',
    '<%= config.bin %> <%= command.id %> stage',
    '<%= config.bin %> <%= command.id %> qa --branch main',
    '<%= config.bin %> <%= command.id %> dev stage --strict',
  ]
  static override args = {
    env_a: Args.string({description: 'The first environment (default: dev; with only this argument and no --branch, dev is compared with it).'}),
    env_b: Args.string({description: 'The second environment (default: qa; with --branch, the first one).'}),
  }
  static override flags = {
    branch: Flags.string({char: 'b', summary: "Render the second environment from this branch's berth.yml (and with its name)."}),
    json: Flags.boolean({summary: 'Print the result as JSON (its shape is in the README, "Comparing environments").'}),
    strict: Flags.boolean({summary: 'Exit 3 when there is a parity warning.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Diff)
    const deps = await this.deps()
    const [a, b] = pair(args.env_a, args.env_b, flags.branch !== undefined)
    const report =
      flags.branch === undefined
        ? await diffWorkTree({cwd: process.cwd(), dir: flags.dir, a, b}, deps)
        : await diffProject(await this.project(flags.dir, deps), {a, b, branch: flags.branch}, deps)
    if (flags.json) this.printJson(report)
    else {
      // cli-table3 is loaded only when a table is printed (not on every start-up).
      const {diffText} = await import('../cli/diff-format.js')
      process.stdout.write(`${diffText(report)}\n`)
    }
    if (flags.strict && report.warnings.length) throw strictError(report.warnings)
  }
}

/** The two environments: none given: dev and qa; one: dev and it (with --branch: it on both sides). */
export function pair(envA: string | undefined, envB: string | undefined, branch: boolean): [string, string] {
  if (envA === undefined) return branch ? ['dev', 'dev'] : ['dev', 'qa']
  if (envB === undefined) return branch ? [envA, envA] : ['dev', envA]
  return [envA, envB]
}
