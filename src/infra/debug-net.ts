/** The debugging port: an inspector's /json/list over HTTP, a CDP session, a loopback bridge server. */
import net from 'node:net'
import {BerthError, ExitCode} from '../core/errors.js'
import type {DebugNetPort, InspectorTarget} from '../app/ports.js'

/** GET /json/list of an inspector on the host (Node targets only). */
async function inspectorTargets(host: string, port: number, timeoutMs = 1500): Promise<InspectorTarget[]> {
  // node:http rather than fetch: loading undici costs more than the request on this path.
  const http = await import('node:http')
  const body = await new Promise<string>((resolve, reject) => {
    const req = http.get({host, port, path: '/json/list', timeout: timeoutMs}, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (text += c))
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}`))))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timed out')))
    req.on('error', reject)
  })
  return (JSON.parse(body) as InspectorTarget[]).filter((t) => !t.type || t.type === 'node')
}

export const hostDebugNet: DebugNetPort = {
  targets: inspectorTargets,
  async connect(ws) {
    const {CdpClient} = await import('./cdp.js')
    return CdpClient.connect(ws)
  },
  async listenLoopback(port, onSocket) {
    const server = net.createServer((socket) => {
      socket.on('error', () => socket.destroy())
      onSocket(socket)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new BerthError(`cannot open the bridge on 127.0.0.1:${port}: ${error.code ?? error.message}`, {
            exitCode: ExitCode.PREFLIGHT,
            hints: ['Pick another port with --port, or leave it out for a free one.'],
          }),
        ),
      )
      server.listen({host: '127.0.0.1', port}, () => resolve())
    })
    return {
      port: (server.address() as net.AddressInfo).port,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    }
  },
}
