import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../../cli/base.js'

export default class DeployStatus extends BaseCommand<typeof DeployStatus> {
  static override summary = 'Show the project\'s stacks on Docker Swarm: replicas, image, update state, ports.'
  static override description = 'Per service of each of the project\'s stacks on this swarm (every environment and branch, or ENV of the current branch): replicas running/wanted, image, the state of its last update, published ports.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> stage --json']
  static override args = {
    env: Args.string({description: 'Only this environment (of the current branch).'}),
  }
  static override flags = {
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(DeployStatus)
    const deps = await this.deps()
    const project = await this.project(flags.dir, deps)
    const {deployStatus} = await import('../../app/deploy.js')
    const stacks = await deployStatus(project, args.env, deps)
    if (flags.json) {
      this.printJson({project: project.stack.value.name, stacks})
      return
    }
    if (stacks.length === 0) {
      process.stderr.write(`No stack of project ${project.stack.value.name} is deployed on this swarm. Deploy one with: berth deploy stage\n`)
      return
    }
    const lines: string[] = []
    for (const s of stacks) {
      lines.push(`${s.stack}  env ${s.env}, branch ${s.branch || '(no git)'}`)
      for (const x of s.services) {
        lines.push(`  ${x.service.padEnd(16)} ${`${x.running}/${x.wanted}`.padEnd(6)} ${x.update.padEnd(18)} ${x.image}${x.ports.length ? `  ${x.ports.map((p) => `${p.published}->${p.target}/${p.mode}`).join(', ')}` : ''}`)
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`)
  }
}
