import {Args, Flags} from '@oclif/core'
import path from 'node:path'
import {defaultOutputFile, renderEnvironment} from '../app/render.js'
import {BaseCommand} from '../cli/base.js'

export default class Render extends BaseCommand<typeof Render> {
  static override summary = 'Render the Compose file of an environment.'
  static override description =
    'Builds the Compose model of ENV from berth.yml and the templates, and writes .berth/ENV.compose.yml (deterministic, generated header). Nothing is started. When nothing it read has changed (berth.yml, templates, user config, lock files, branch, berth itself), the last render is reused from .berth/cache/; BERTH_NO_CACHE=1 always renders.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> qa --stdout',
    '<%= config.bin %> <%= command.id %> --check',
    '<%= config.bin %> <%= command.id %> stage --out stage.compose.yml',
    '<%= config.bin %> <%= command.id %> stage --target swarm --check',
  ]
  static override args = {
    env: Args.string({description: 'Environment: dev, qa, stage or one defined in berth.yml.', default: 'dev'}),
  }
  static override flags = {
    stdout: Flags.boolean({summary: 'Print the Compose file instead of writing it.', exclusive: ['out']}),
    out: Flags.string({char: 'o', summary: 'Write to this file instead of .berth/ENV.compose.yml.'}),
    check: Flags.boolean({summary: 'Also validate the result with docker compose config --quiet (docker stack config for --target swarm).'}),
    target: Flags.string({summary: 'compose: a Compose file for berth up; swarm: a stack file for docker stack deploy (.berth/ENV.stack.yml).', options: ['compose', 'swarm'], default: 'compose'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parseWithBase(Render)
    const deps = await this.deps()
    if (flags.target === 'swarm') {
      const {renderSwarm, defaultStackFile} = await import('../app/swarm-render.js')
      const project = await this.project(flags.dir, deps)
      const {yaml, result} = await renderSwarm(project, args.env, deps)
      if (flags.check) await deps.swarm.checkStack(yaml)
      if (flags.stdout) {
        process.stdout.write(yaml)
        return
      }
      const file = flags.out ? path.resolve(flags.out) : defaultStackFile(project.root, result.env.name)
      deps.files.writeGenerated(file, yaml)
      process.stdout.write(`${path.relative(process.cwd(), file) || file}\n`)
      return
    }
    if (flags.check) {
      // The check names berth.yml lines: it needs the parsed project, not only the cached render.
      const {renderAndCheck} = await import('../app/validate.js')
      const {file} = await renderAndCheck(await this.project(flags.dir, deps), args.env, flags.out ? path.resolve(flags.out) : undefined, deps)
      process.stdout.write(`${path.relative(process.cwd(), file) || file}\n`)
      return
    }
    const {root, result, yaml} = await renderEnvironment({cwd: process.cwd(), dir: flags.dir, name: args.env}, deps)
    if (flags.stdout) {
      process.stdout.write(yaml)
      return
    }
    const file = flags.out ? path.resolve(flags.out) : defaultOutputFile(root, result.env.name)
    deps.files.writeGenerated(file, yaml)
    process.stdout.write(`${path.relative(process.cwd(), file) || file}\n`)
  }
}
