import {Flags} from '@oclif/core'
import {recoverIfIdle} from '../app/recover.js'
import {collectStatus} from '../app/status.js'
import type {Deps} from '../app/ports.js'
import {BaseCommand} from '../cli/base.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = "Show every berth stack of this project: services, state, health, ports."
  static override description = 'Lists the containers berth started for this project (every environment and branch), found by their labels on the engine.'
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json', '<%= config.bin %> <%= command.id %> --all']
  static override flags = {
    json: Flags.boolean({summary: 'Print the result as JSON.'}),
    all: Flags.boolean({summary: 'Every berth stack on this engine, of any project.'}),
    'all-contexts': Flags.boolean({summary: 'The stacks on the engine of every docker context (docker context ls), not only the current one.', exclusive: ['context']}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parseWithBase(Status)
    const deps = await this.deps()
    const project = flags.all ? undefined : await this.project(flags.dir, deps)
    if (flags['all-contexts']) return this.allContexts(project?.stack.value.name, flags.json, deps)
    await deps.engine.ping()
    if (project) await recoverIfIdle(project.stack.value.name, deps)
    const stacks = await collectStatus(deps.engine, {project: project?.stack.value.name})
    if (flags.json) {
      this.printJson({project: project?.stack.value.name ?? null, branch: project?.ctx.branch ?? null, stacks})
      return
    }
    if (stacks.length === 0) {
      process.stderr.write(`No berth stack of ${project ? `project ${project.stack.value.name}` : 'any project'} is running. Start one with: berth up\n`)
      return
    }
    // cli-table3 is loaded only when a table is printed (not on every start-up).
    const {stacksText} = await import('../cli/format.js')
    process.stdout.write(`${stacksText(stacks)}\n`)
  }

  /** Each context's engine asked in turn; one that cannot be reached is said so, the others still listed. */
  private async allContexts(project: string | undefined, json: boolean, deps: Deps): Promise<void> {
    const out: Array<{context: string; endpoint: string; stacks?: Awaited<ReturnType<typeof collectStatus>>; error?: string}> = []
    for (const c of await deps.contexts.list()) {
      try {
        const engine = deps.contexts.engine(c.name)
        await engine.ping()
        out.push({context: c.name, endpoint: c.endpoint, stacks: await collectStatus(engine, {project})})
      } catch (error) {
        out.push({context: c.name, endpoint: c.endpoint, error: (error as Error).message})
      }
    }
    if (json) {
      this.printJson({project: project ?? null, contexts: out})
      return
    }
    const {stacksText} = await import('../cli/format.js')
    const parts = out.map((c) => `context ${c.context} (${c.endpoint || 'default'})\n${c.error ? `  unreachable: ${c.error}` : c.stacks!.length ? stacksText(c.stacks!) : '  no berth stack'}`)
    process.stdout.write(`${parts.join('\n\n')}\n`)
  }
}
