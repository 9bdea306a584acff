import {Flags} from '@oclif/core'
import path from 'node:path'
import {initProject} from '../app/init.js'
import {BaseCommand} from '../cli/base.js'

export default class Init extends BaseCommand<typeof Init> {
  static override baseFlags = {
    ...BaseCommand.baseFlags,
    dir: Flags.directory({char: 'C', summary: 'The folder to set up (default: the current folder).', helpGroup: 'GLOBAL'}),
  }
  static override summary = 'Write a berth.yml for the Node app in this folder (or import a Compose file).'
  static override description =
    'Reads package.json (package manager from the lockfile, start script or main, TypeScript, the services the code talks to: pg, mysql2, mongodb/mongoose, redis/ioredis, amqplib), the port the app listens on (its own sources, never node_modules; a Dockerfile EXPOSE), a Dockerfile and its stages, and .nvmrc/engines.node. On a terminal it asks, with --yes it takes what it detected and the flags. It writes a commented berth.yml that loads and renders, adds .berth/ to .gitignore and prints the next command. It never replaces a berth.yml without --force (exit 9). Without a terminal, pass --yes.'
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --yes',
    '<%= config.bin %> <%= command.id %> --yes --name shop --port 8000 --service postgres --service redis',
    '<%= config.bin %> <%= command.id %> --yes --service none',
    '<%= config.bin %> <%= command.id %> --from docker-compose.yml --shared db',
  ]
  static override flags = {
    yes: Flags.boolean({char: 'y', summary: 'Do not ask: use what was detected and the flags.'}),
    force: Flags.boolean({summary: 'Replace an existing berth.yml.'}),
    from: Flags.file({summary: 'Import this Compose file instead of reading package.json.', exclusive: ['port', 'service']}),
    shared: Flags.string({summary: 'A service whose data is shared by every branch (repeat for more).', multiple: true}),
    name: Flags.string({summary: 'The project name (default: package.json name, else the folder).'}),
    port: Flags.integer({summary: 'The port the app listens on (default: the one detected).', min: 1, max: 65535}),
    service: Flags.string({
      summary: 'A service to add: postgres, mysql, mongo, redis, rabbitmq, or none (repeat for more; default: the detected ones).',
      multiple: true,
      options: ['postgres', 'mysql', 'mongo', 'redis', 'rabbitmq', 'none'],
    }),
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(Init)
    const deps = await this.deps(this.reporter(flags.json))
    const root = path.resolve(flags.dir ?? '.')
    const result = await initProject(
      {root, yes: flags.yes, force: flags.force, from: flags.from, shared: flags.shared ?? [], name: flags.name, port: flags.port, services: flags.service},
      deps,
    )
    const near = (p: string) => {
      const rel = path.relative(process.cwd(), p)
      return rel && !rel.startsWith('..') ? rel : p
    }
    const shown = near(result.file)
    const next = root === process.cwd() ? 'berth up' : `berth up --dir ${near(root)}`
    if (flags.json) return this.printJson({...result, next: result.written ? next : undefined})
    if (!result.written) {
      deps.reporter.info('Nothing written.')
      return
    }
    const ignore = result.gitignore === 'present' ? '' : `; .berth/ ${result.gitignore === 'created' ? 'in a new .gitignore' : 'added to .gitignore'}`
    deps.reporter.info(`${result.replaced ? 'Replaced' : 'Wrote'} ${shown}${result.services.length ? ` (services: ${result.services.map((s) => s.name).join(', ')})` : ''}${ignore}`)
    process.stdout.write(`Next: ${next}\n`)
  }
}
