/** berth debug --vscode: attach configurations for the Node services, merged into .vscode/launch.json. */
import path from 'node:path'
import {attachConfig, mergeLaunchJson, type AttachConfig} from '../../core/debug.js'
import {BerthError, ExitCode} from '../../core/errors.js'
import type {FilesPort} from '../ports.js'
import type {Project} from '../project.js'
import {renderProject, type RenderDeps} from '../render.js'

export interface VscodeResult {
  file: string
  configurations: AttachConfig[]
}

/** Attach configurations for the dev stack's Node services, from the rendered stack (ports are deterministic). */
export async function vscodeConfigs(project: Project, env: string, workspace: string, deps: RenderDeps, service?: string): Promise<AttachConfig[]> {
  const {result} = await renderProject(project, env, deps, {anyEngine: true})
  const services = result.compose.services as Record<string, {volumes?: Array<Record<string, unknown>>; working_dir?: string}>
  const out: AttachConfig[] = []
  for (const p of result.ports.filter((x) => x.role === 'inspector' && (!service || x.service === service))) {
    const binds = (services[p.service].volumes ?? []).filter((v) => v.type === 'bind' && typeof v.source === 'string' && v.target !== '/opt/berth')
    const main = binds.find((v) => v.target === services[p.service].working_dir) ?? binds[0]
    const source = main ? String(main.source).replace(/\$\$/g, '$') : workspace
    const rel = path.relative(workspace, source).split(path.sep).join('/')
    out.push(attachConfig(p.service, p.host, rel ? `\${workspaceFolder}/${rel}` : '${workspaceFolder}', main ? String(main.target) : '/src'))
  }
  if (out.length === 0) {
    throw new BerthError(service ? `service "${service}" has no Node inspector in ${env}` : `no service of this stack has the Node inspector in ${env}`, {
      exitCode: ExitCode.USAGE,
      hints: ['The inspector is on for services with template: node in dev (params.inspector: true).'],
    })
  }
  return out
}

export function writeVscode(workspace: string, configs: AttachConfig[], files: Pick<FilesPort, 'readOptional' | 'writeFile'>): VscodeResult {
  const file = path.join(workspace, '.vscode', 'launch.json')
  files.writeFile(file, mergeLaunchJson(files.readOptional(file), configs))
  return {file, configurations: configs}
}
