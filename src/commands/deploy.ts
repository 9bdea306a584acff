import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'

export default class Deploy extends BaseCommand<typeof Deploy> {
  static override summary = 'Deploy an environment as a stack on Docker Swarm, and wait until it runs.'
  static override description =
    'Renders ENV for Swarm (as berth render ENV --target swarm), checks it with docker stack config, checks the engine is a swarm manager and every image can be had by every node, builds and tags the images of services with build:, creates berth\'s volumes and secrets, runs docker stack deploy --prune --with-registry-auth, and waits until every service has its wanted replicas running and healthy. An update that fails is rolled back by Swarm; a first deploy that fails is removed.'
  static override examples = [
    '<%= config.bin %> <%= command.id %> stage',
    '<%= config.bin %> <%= command.id %> stage --context shared-stage',
    '<%= config.bin %> <%= command.id %> qa --timeout 600',
  ]
  static override args = {
    env: Args.string({description: 'Environment: qa, stage or one defined in berth.yml (a prod environment).', default: 'stage'}),
  }
  static override flags = {
    timeout: Flags.integer({summary: 'Seconds to wait for the services to converge.', default: 300, min: 1}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Deploy)
    const deps = await this.deps(this.reporter(flags.quiet))
    const project = await this.project(flags.dir, deps)
    const {deploy} = await import('../app/deploy.js')
    const result = await deploy(project, {env: args.env, timeoutSeconds: flags.timeout}, deps)
    const ports = result.services.flatMap((s) => s.ports.map((p) => `${s.name} :${p}`))
    deps.reporter.info(`Stack ${result.stack} ${result.first ? 'deployed' : 'updated'}: ${result.services.map((s) => `${s.name} ${s.replicas}/${s.replicas}`).join(', ')}${ports.length ? `; published on every node: ${ports.join(', ')}` : ''}`)
    process.stdout.write(`${result.stack}\n`)
  }
}
