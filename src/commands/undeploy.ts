import {Args, Flags} from '@oclif/core'
import {BerthError, ExitCode} from '../core/errors.js'
import {BaseCommand} from '../cli/base.js'

export default class Undeploy extends BaseCommand<typeof Undeploy> {
  static override summary = 'Remove an environment\'s stack from Docker Swarm; its volumes (your data) stay.'
  static override description = 'Runs docker stack rm for the stack of ENV on the current branch and waits until its services are gone; berth\'s secrets of the stack are removed, its volumes never (see berth volumes).'
  static override examples = ['<%= config.bin %> <%= command.id %> stage', '<%= config.bin %> <%= command.id %> stage --yes']
  static override args = {
    env: Args.string({description: 'Environment: qa, stage or one defined in berth.yml.', default: 'stage'}),
  }
  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Undeploy)
    const deps = await this.deps(this.reporter(flags.quiet))
    const project = await this.project(flags.dir, deps)
    if (!flags.yes) {
      const ok = await deps.prompt.confirm(`Remove the ${args.env} stack of ${project.stack.value.name} from the swarm? Its volumes stay.`)
      if (ok === undefined) throw new BerthError('undeploy removes a running stack: confirm with --yes (no terminal to ask on)', {exitCode: ExitCode.REFUSED, hints: [`berth undeploy ${args.env} --yes`]})
      if (!ok) return
    }
    const {undeploy} = await import('../app/deploy.js')
    const result = await undeploy(project, args.env, deps)
    deps.reporter.info(result.removed ? `Removed stack ${result.stack}; volumes kept${result.volumes.length ? `: ${result.volumes.join(', ')}` : ''}.` : `Stack ${result.stack} was not deployed.`)
  }
}
