import {Args, Flags} from '@oclif/core'
import {logs} from '../app/passthrough.js'
import {BaseCommand} from '../cli/base.js'

export default class Logs extends BaseCommand<typeof Logs> {
  static override summary = "Show the logs of the current branch's stack."
  static override description = 'Runs docker compose logs for the stack of the environment (default dev) on the current branch.'
  static override strict = false
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> web --follow', '<%= config.bin %> <%= command.id %> db --env qa --tail 100']
  static override args = {
    service: Args.string({description: 'Services to show (default: all).'}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'Environment.', default: 'dev'}),
    follow: Flags.boolean({char: 'f', summary: 'Keep following new output.'}),
    tail: Flags.string({char: 'n', summary: 'Number of lines from the end of each log (or "all").'}),
    timestamps: Flags.boolean({char: 't', summary: 'Show timestamps.'}),
  }

  async run(): Promise<void> {
    const {argv, flags} = await this.parseWithBase(Logs)
    const deps = await this.deps()
    const project = await this.project(flags.dir, deps)
    const code = await logs(project, {env: flags.env, services: argv as string[], follow: flags.follow, tail: flags.tail, timestamps: flags.timestamps, plain: !process.stdout.isTTY}, deps)
    if (code !== 0) this.exit(code)
  }
}
