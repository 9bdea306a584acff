// What the tests that run the front door (runtime/door.cjs) as a real process share: its path, a free
// loopback port, and a connection once the door listens.
import net from 'node:net'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const DOOR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../runtime/door.cjs')

/** A port free on 127.0.0.1 now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const {port} = s.address() as net.AddressInfo
      s.close(() => resolve(port))
    })
    s.on('error', reject)
  })
}

/** A connection to 127.0.0.1:port, tried again every 50 ms (the door is still starting) for 5 s. */
export async function connect(port: number): Promise<net.Socket> {
  for (let i = 0; i < 100; i++) {
    const socket = await new Promise<net.Socket | undefined>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s))
      s.once('error', () => resolve(undefined))
    })
    if (socket) return socket
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`nothing listens on ${port}`)
}
