// The Node inspector in rendered dev stacks: one host port per Node service, deterministic, always on
// 127.0.0.1, labelled for `berth debug`; off in prod mode and when a service says inspector: false.
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadProject, type Project} from '../../src/app/project.js'
import {renderProject} from '../../src/app/render.js'
import {ROOT} from './helpers.js'

async function shop(offset = 0, edit?: (p: Project) => void): Promise<Project> {
  const project = await loadProject({cwd: ROOT, dir: path.join(ROOT, 'stacks', 'shop'), env: {BERTH_BRANCH: 'feat/x', BERTH_PORT_OFFSET: String(offset), BERTH_CONFIG: '/nonexistent'}})
  edit?.(project)
  return project
}

type Svc = {ports?: Array<{host_ip: string; published: string; target: number}>; labels: Record<string, string>; environment: Record<string, unknown>; volumes: Array<Record<string, unknown>>}

describe('inspector ports in the rendered stack', () => {
  it('publishes 9229 of each Node service on 127.0.0.1 at 9229 + offsets + index, labelled', async () => {
    const project = await shop(300, (p) => {
      p.stack.value.services.api = {template: 'node', source: 'app', port: 8100}
    })
    const {result} = await renderProject(project, 'dev')
    const inspectors = result.ports.filter((p) => p.role === 'inspector')
    expect(inspectors).toEqual([
      {service: 'api', bind: '127.0.0.1', host: 9229 + 300, container: 9229, role: 'inspector'},
      {service: 'web', bind: '127.0.0.1', host: 9229 + 300 + 1, container: 9229, role: 'inspector'},
    ])
    const web = (result.compose.services as Record<string, Svc>).web
    expect(web.labels['dev.berth.inspector']).toBe(String(9229 + 301))
    expect(result.door.routes).toContainEqual({listen: 9229 + 301, bind: '127.0.0.1', service: 'web', host: 'berth-route-web', port: 9229, role: 'inspector'})
    expect(web.ports).toBeUndefined()
    expect(web.environment.NODE_OPTIONS).toBe('--require=/opt/berth/inspector.cjs')
    expect(web.volumes).toContainEqual(expect.objectContaining({type: 'bind', target: '/opt/berth', read_only: true, source: path.join(ROOT, 'runtime')}))
  })

  it('binds the inspector on 127.0.0.1 even when the stack binds ports on 0.0.0.0', async () => {
    const project = await shop(0, (p) => {
      p.stack.value.bind = '0.0.0.0'
    })
    const {result} = await renderProject(project, 'dev')
    const web = result.door.routes.filter((r) => r.service === 'web')
    expect(web.find((p) => p.port === 8000)!.bind).toBe('0.0.0.0')
    expect(web.find((p) => p.port === 9229)!.bind).toBe('127.0.0.1')
  })

  it('has no inspector in qa, nor for a service with inspector: false', async () => {
    const qa = (await renderProject(await shop(), 'qa')).result
    expect(qa.ports.filter((p) => p.role === 'inspector')).toEqual([])
    const qaWeb = (qa.compose.services as Record<string, Svc>).web
    expect(qaWeb.labels['dev.berth.inspector']).toBeUndefined()
    expect(qaWeb.environment.NODE_OPTIONS).toBeUndefined()

    const off = (await renderProject(await shop(0, (p) => (p.stack.value.services.web.params = {...p.stack.value.services.web.params, inspector: false})), 'dev')).result
    const web = (off.compose.services as Record<string, Svc>).web
    expect(off.ports.filter((p) => p.role === 'inspector')).toEqual([])
    expect(web.environment.NODE_OPTIONS).toBeUndefined()
    expect(web.volumes.some((v) => v.target === '/opt/berth')).toBe(false)
  })
})
