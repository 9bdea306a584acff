import {Args, Flags} from '@oclif/core'
import {down} from '../app/up.js'
import {BaseCommand} from '../cli/base.js'

export default class Down extends BaseCommand<typeof Down> {
  static override summary = 'Stop an environment of the current branch; its volumes (your data) stay.'
  static override description = 'Runs docker compose down for the stack of ENV on the current branch. Containers and the network are removed; volumes are never removed by down (see berth volumes).'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> qa']
  static override args = {
    env: Args.string({description: 'Environment: dev, qa, stage or one defined in berth.yml.', default: 'dev'}),
  }
  static override flags = {
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Down)
    const deps = await this.deps(this.reporter(flags.quiet))
    const project = await this.project(flags.dir, deps)
    const result = await down(project, args.env, deps)
    deps.reporter.info(result.removed ? `Stopped ${result.stack}; volumes kept.` : `${result.stack} was not running.`)
  }
}
