/**
 * Docker Swarm: the docker CLI for the stack commands (`stack config`, `stack deploy`, `stack rm`,
 * `service logs`), always with argv arrays and the stack file on stdin; the engine (dockerode) for the
 * services, tasks, secrets and images berth reads while it waits.
 */
import type Dockerode from 'dockerode'
import type {SwarmPort, SwarmServiceStatus, SwarmState, SwarmTask} from '../app/ports.js'
import {BerthError, ExitCode} from '../core/errors.js'
import {LABEL} from '../core/naming.js'
import {runProcess} from './compose.js'

const NAMESPACE = 'com.docker.stack.namespace'

export class SwarmCli implements SwarmPort {
  constructor(
    private readonly docker: () => Promise<Dockerode>,
    private readonly cli: string = 'docker',
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async info(): Promise<SwarmState> {
    const info = (await (await this.docker()).info()) as {Swarm?: {LocalNodeState?: string; ControlAvailable?: boolean; Nodes?: number}}
    const swarm = info.Swarm ?? {}
    return {state: swarm.LocalNodeState ?? 'inactive', manager: swarm.ControlAvailable === true, nodes: swarm.Nodes ?? 0}
  }

  private async run(args: string[], input?: string, extraEnv: Record<string, string> = {}): Promise<{stdout: string; stderr: string}> {
    const result = await runProcess(this.cli, args, {input, env: {...this.env, ...extraEnv}})
    if (result.code !== 0) {
      const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-8).join('\n    ')
      throw new BerthError(`docker ${args.slice(0, 2).join(' ')} failed (exit ${result.code}):\n    ${said}`, {
        exitCode: args[1] === 'config' ? ExitCode.CONFIG : ExitCode.COMPOSE,
        hints: ['Rerun with --debug to see the exact docker command.'],
      })
    }
    return result
  }

  async checkStack(yaml: string): Promise<void> {
    await this.run(['stack', 'config', '-c', '-'], yaml)
  }

  async deployStack(name: string, yaml: string, env: Record<string, string>, resolveImages: boolean): Promise<void> {
    const args = ['stack', 'deploy', '-c', '-', '--prune', '--with-registry-auth', '--detach=true', '--resolve-image', resolveImages ? 'always' : 'never', name]
    await this.run(args, yaml, env)
  }

  async removeStack(name: string): Promise<void> {
    await this.run(['stack', 'rm', name])
  }

  async services(stack: string): Promise<SwarmServiceStatus[]> {
    const docker = await this.docker()
    const [services, tasks] = await Promise.all([docker.listServices({filters: {label: [`${NAMESPACE}=${stack}`]}}), this.tasks(stack)])
    return services.map((s) => {
      const spec = s.Spec ?? {}
      const key = specKey(spec.TaskTemplate)
      const running = tasks.filter((t) => t.service === s.ID && t.desired === 'running' && t.state === 'running' && t.specKey === key).length
      const update = s.UpdateStatus as {State?: string; StartedAt?: string; Message?: string} | undefined
      const image = ((spec.TaskTemplate as {ContainerSpec?: {Image?: string}})?.ContainerSpec?.Image ?? '').replace(/@sha256:[0-9a-f]+$/, '')
      return {
        id: s.ID ?? '',
        name: (spec.Name ?? '').replace(`${stack}_`, ''),
        image,
        // A global service wants a task per eligible node: those Swarm has scheduled (one at least).
        wanted: spec.Mode?.Global ? Math.max(1, tasks.filter((t) => t.service === s.ID && t.desired === 'running').length) : (spec.Mode?.Replicated?.Replicas ?? 0),
        running,
        ...(update?.State ? {update: {state: update.State, startedAt: update.StartedAt, message: update.Message}} : {}),
        ports: (s.Endpoint?.Ports ?? []).map((p) => ({published: p.PublishedPort ?? 0, target: p.TargetPort ?? 0, mode: String(p.PublishMode ?? 'ingress')})),
        specKey: key,
      }
    })
  }

  async tasks(stack: string): Promise<SwarmTask[]> {
    const docker = await this.docker()
    const tasks = (await docker.listTasks({filters: {label: [`${NAMESPACE}=${stack}`]}})) as TaskInfo[]
    return tasks.map((t) => ({
      id: t.ID,
      service: t.ServiceID,
      slot: t.Slot,
      state: t.Status?.State ?? 'unknown',
      desired: t.DesiredState ?? 'unknown',
      error: t.Status?.Err || undefined,
      message: t.Status?.Message || undefined,
      at: t.Status?.Timestamp,
      specKey: specKey(t.Spec),
    }))
  }

  async taskLogs(taskId: string, lines: number): Promise<string> {
    const result = await runProcess(this.cli, ['service', 'logs', '--raw', '--no-trunc', '--tail', String(lines), taskId], {env: this.env})
    return `${result.stdout}${result.stderr}`.trim()
  }

  async imageId(ref: string): Promise<string | undefined> {
    try {
      return (await (await this.docker()).getImage(ref).inspect()).Id
    } catch (error) {
      if ((error as {statusCode?: number}).statusCode === 404) return undefined
      throw error
    }
  }

  async ensureSecret(name: string, value: string, labels: Record<string, string>): Promise<'created' | 'existed'> {
    const docker = await this.docker()
    const found = await docker.listSecrets({filters: {name: [name]}})
    if (found.some((s) => s.Spec?.Name === name)) return 'existed'
    await docker.createSecret({Name: name, Labels: labels, Data: Buffer.from(value, 'utf8').toString('base64')})
    return 'created'
  }

  async removeSecret(name: string): Promise<void> {
    await (await this.docker()).getSecret(name).remove()
  }

  async secrets(labels: Record<string, string>): Promise<string[]> {
    const found = await (await this.docker()).listSecrets({filters: {label: Object.entries(labels).map(([k, v]) => `${k}=${v}`)}})
    return found.map((s) => s.Spec?.Name ?? '').filter(Boolean)
  }

  async stacks(): Promise<Array<{name: string; labels: Record<string, string>; services: number}>> {
    const services = await (await this.docker()).listServices({filters: {label: [NAMESPACE, LABEL.project]}})
    const byStack = new Map<string, {name: string; labels: Record<string, string>; services: number}>()
    for (const s of services) {
      const labels = (s.Spec?.Labels ?? {}) as Record<string, string>
      const name = labels[NAMESPACE]
      const entry = byStack.get(name) ?? {name, labels: {[LABEL.project]: labels[LABEL.project], [LABEL.env]: labels[LABEL.env], [LABEL.branch]: labels[LABEL.branch]}, services: 0}
      entry.services++
      byStack.set(name, entry)
    }
    return [...byStack.values()].sort((a, b) => a.name.localeCompare(b.name))
  }
}

/** What identifies a task's spec: the container spec and the forced-update counter, as the engine writes them. */
function specKey(spec: unknown): string {
  const s = (spec ?? {}) as {ContainerSpec?: unknown; ForceUpdate?: number}
  return JSON.stringify([s.ContainerSpec ?? null, s.ForceUpdate ?? 0])
}

/** What berth reads of a task (the engine's /tasks answer). */
interface TaskInfo {
  ID: string
  ServiceID: string
  Slot?: number
  DesiredState?: string
  Spec?: unknown
  Status?: {State?: string; Err?: string; Message?: string; Timestamp?: string}
}
