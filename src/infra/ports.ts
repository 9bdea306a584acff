/** Host port checks: can we bind it, and if not, who holds it (Linux /proc; best effort elsewhere). */
import {readdirSync, readFileSync, readlinkSync} from 'node:fs'
import net from 'node:net'
import type {HostPortsPort} from '../app/ports.js'

/**
 * Whether the port is free on that address. A port below 1024 that berth itself may not bind (EACCES: the
 * front door binds it, as root in its container or through docker-proxy) counts as free when nothing listens
 * on it (/proc/net/tcp): the kernel refuses before it looks whether the port is taken.
 */
export function canBind(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer()
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'EACCES' && port < 1024 && listeningInodes(port).size === 0))
    server.listen({host, port, exclusive: true}, () => server.close(() => resolve(true)))
  })
}

/** Socket inodes listening on a TCP port (from /proc/net/tcp and tcp6). */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>()
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0')
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = readFileSync(table, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/)
      if (cols.length < 10) continue
      const local = cols[1]
      if (cols[3] === '0A' && local.endsWith(`:${hexPort}`)) inodes.add(cols[9])
    }
  }
  return inodes
}

/** "python3 (pid 1234)" for the process listening on a port, when /proc lets us see it. */
export function describeListener(port: number): string | undefined {
  const inodes = listeningInodes(port)
  if (inodes.size === 0) return undefined
  let pids: string[]
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p))
  } catch {
    return undefined
  }
  for (const pid of pids) {
    let fds: string[]
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      continue
    }
    for (const fd of fds) {
      let target: string
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue
      }
      const m = /^socket:\[(\d+)\]$/.exec(target)
      if (m && inodes.has(m[1])) {
        let comm = 'a process'
        try {
          comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim()
        } catch {
          // keep the generic name
        }
        return `${comm} (pid ${pid})`
      }
    }
  }
  return undefined
}

export const hostPorts: HostPortsPort = {canBind, describeListener}
