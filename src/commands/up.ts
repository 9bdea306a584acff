import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import {up} from '../app/up.js'
import {BaseCommand} from '../cli/base.js'

export default class Up extends BaseCommand<typeof Up> {
  static override summary = 'Start an environment of the current branch and wait until it is healthy.'
  static override description = `Renders ENV, checks that the engine answers, Compose v2 is installed and every host port is free, finds or pulls each image_from: registry image (--build-if-missing: builds a missing one from build:), creates the stack's volumes, then runs docker compose up --detach --wait. Ports are published on 127.0.0.1 only.`
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> qa --build',
    '<%= config.bin %> <%= command.id %> qa --build-if-missing',
    '<%= config.bin %> <%= command.id %> qa --strict',
    'BERTH_IMAGE_MAP=node:20-bookworm-slim=local/node:20 <%= config.bin %> <%= command.id %> --dir stacks/shop',
  ]
  static override args = {
    env: Args.string({description: 'Environment: dev, qa, stage or one defined in berth.yml.', default: 'dev'}),
  }
  static override flags = {
    build: Flags.boolean({summary: 'Build every image again (through the build cache), even when its build context is unchanged.'}),
    'build-if-missing': Flags.boolean({summary: 'Build an image_from: registry image from its build: when it is neither on the engine nor pullable.'}),
    'wait-timeout': Flags.integer({summary: 'Seconds to wait for the services to be healthy.', min: 1}),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    quiet: Flags.boolean({char: 'q', summary: 'No progress on stderr.'}),
    strict: Flags.boolean({summary: 'Refuse (exit 3) when a prod-mode environment has parity warnings against dev.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Up)
    const deps = await this.deps(this.reporter(flags.quiet || flags.json))
    const project = await this.project(flags.dir, deps)
    const result = await up(project, {env: args.env, build: flags.build, buildIfMissing: flags['build-if-missing'], waitTimeout: flags['wait-timeout'], strict: flags.strict}, deps)
    if (flags.json) {
      this.printJson({stack: result.render.project, env: result.render.env.name, branch: project.ctx.branch, file: result.file, services: result.status?.services ?? []})
      return
    }
    // cli-table3 is loaded only when a table is printed (not on every start-up).
    const {servicesTable} = await import('../cli/format.js')
    process.stdout.write(`${servicesTable(result.status?.services ?? [])}\n`)
    const urls = result.render.services.filter((s) => s.url).map((s) => `${s.name}: ${s.url}`)
    if (urls.length) process.stdout.write(`\n${urls.join('\n')}\n`)
    deps.reporter.info(`Compose file: ${path.relative(process.cwd(), result.file) || result.file}`)
  }
}
