import {Args, Flags} from '@oclif/core'
import {exec} from '../app/passthrough.js'
import {BaseCommand} from '../cli/base.js'

export default class Exec extends BaseCommand<typeof Exec> {
  static override summary = "Run a command in a service of the current branch's stack."
  static override description = 'Runs docker compose exec in the running container of SERVICE (a shell when no command is given). Its exit code is passed through.'
  static override strict = false
  static override examples = [
    '<%= config.bin %> <%= command.id %> web',
    '<%= config.bin %> <%= command.id %> db -- psql -U app app',
    '<%= config.bin %> <%= command.id %> web --env qa -- node --version',
  ]
  static override args = {
    service: Args.string({description: 'The service to run the command in.', required: true}),
  }
  static override flags = {
    env: Flags.string({char: 'e', summary: 'Environment.', default: 'dev'}),
    user: Flags.string({char: 'u', summary: 'Run as this user.'}),
  }

  async run(): Promise<void> {
    const {args, argv, flags} = await this.parseWithBase(Exec)
    const deps = await this.deps()
    const project = await this.project(flags.dir, deps)
    const command = (argv as string[]).slice(1)
    const code = await exec(project, {env: flags.env, service: args.service, command, user: flags.user, tty: Boolean(process.stdin.isTTY && process.stdout.isTTY)}, deps)
    if (code !== 0) this.exit(code)
  }
}
