import {Args, Flags} from '@oclif/core'
import {loadProject} from '../app/project.js'
import {downStack} from '../app/up.js'
import {BaseCommand} from '../cli/base.js'
import {realDeps} from '../cli/deps.js'
import {withLock} from '../infra/lock.js'

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
    const project = await loadProject({cwd: process.cwd(), dir: flags.dir})
    const deps = realDeps(this.reporter(flags.quiet))
    const result = await withLock(project.stack.value.name, () => downStack(project, args.env, deps), {onWait: (h) => deps.reporter.info(`Waiting for another berth command on this project (${h})...`)})
    deps.reporter.info(result.removed ? `Stopped ${result.stack}; volumes kept.` : `${result.stack} was not running.`)
  }
}
