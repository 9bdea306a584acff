/** The ports a service publishes through the front door (app, extra, https and redirect, inspector). */
import {ConfigError} from './errors.js'
import {extraPorts} from './template-extras.js'
import {INSPECTOR_BIND, INSPECTOR_PORT, type PortBinding, type ServiceRender, type StackRender} from './render-types.js'

/**
 * Ports: the work tree's front door publishes them (on the bind address, 127.0.0.1 unless asked
 * otherwise) and forwards them to the active branch's stack; the stack itself publishes none.
 */
export function publishPorts(st: StackRender, {name, spec, where, params}: ServiceRender): {url?: string; inspectorHost?: number} {
  const worktree = st.req.ctx.worktreeOffset ?? 0
  const publish = (container: number, host: number, role: PortBinding['role'], field: string, on = st.bind) => {
    if (host > 65535) {
      throw new ConfigError(`service "${name}": host port ${host} (container port ${container} + offsets) is above 65535`, st.src.locate(where(field)), {
        hints: ['Lower port_offset of the environment, or set host_port explicitly.'],
      })
    }
    st.ports.push({service: name, bind: on, host, container, role})
  }
  const offset = st.env.port_offset + worktree
  let url: string | undefined
  if (typeof params.port === 'number') {
    const host = spec.host_port !== undefined ? spec.host_port + worktree : params.port + offset
    publish(params.port, host, 'app', spec.host_port !== undefined ? 'host_port' : 'port')
    const shown = st.bind === '0.0.0.0' ? '127.0.0.1' : st.bind
    if (params.http === true) url = `http://${shown}:${host}/`
    if (params.http === true && st.env.tls === true && spec.tls !== false) {
      // https on the app's host port + 443 (8000 -> 8443, 18443 in qa), the http redirect on + 80, unless berth.yml fixes them.
      const fixed = typeof spec.tls === 'object' ? spec.tls : {}
      const https = fixed.https_port !== undefined ? fixed.https_port + worktree : host + 443
      const redirect = fixed.http_port !== undefined ? fixed.http_port + worktree : host + 80
      publish(params.port, https, 'https', fixed.https_port !== undefined ? 'tls' : 'port')
      publish(params.port, redirect, 'redirect', fixed.http_port !== undefined ? 'tls' : 'port')
      st.ports[st.ports.length - 1].https = https
      url = `https://${shown}:${https}/`
    }
  }
  for (const [container, host] of extraPorts(params, spec.ports, st.env.port_offset)) publish(Number(container), host + worktree, 'extra', 'ports')
  const inspectorIndex = st.inspectable.indexOf(name)
  const inspectorHost = inspectorIndex >= 0 ? INSPECTOR_PORT + offset + inspectorIndex : undefined
  if (inspectorHost !== undefined) publish(INSPECTOR_PORT, inspectorHost, 'inspector', 'params', INSPECTOR_BIND)
  return {url, inspectorHost}
}
