/** A minimal Chrome DevTools Protocol client over a WebSocket (the `ws` package). */
import {EventEmitter} from 'node:events'
import WebSocket from 'ws'

export class CdpClient extends EventEmitter {
  private nextId = 1
  private readonly pending = new Map<number, {resolve: (v: unknown) => void; reject: (e: Error) => void; method: string}>()

  private constructor(private readonly socket: WebSocket) {
    super()
    socket.on('message', (data) => {
      const msg = JSON.parse(data.toString()) as {id?: number; method?: string; params?: unknown; result?: unknown; error?: {message: string}}
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id)
        if (!p) return
        this.pending.delete(msg.id)
        if (msg.error) p.reject(new Error(`${p.method}: ${msg.error.message}`))
        else p.resolve(msg.result)
      } else if (msg.method) {
        this.emit(msg.method, msg.params)
      }
    })
    socket.on('close', () => {
      for (const p of this.pending.values()) p.reject(new Error('the inspector closed the connection'))
      this.pending.clear()
      this.emit('close')
    })
  }

  static connect(url: string, timeoutMs = 5000): Promise<CdpClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {perMessageDeflate: false, handshakeTimeout: timeoutMs})
      socket.once('open', () => resolve(new CdpClient(socket)))
      socket.once('error', reject)
    })
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {resolve: resolve as (v: unknown) => void, reject, method})
      this.socket.send(JSON.stringify({id, method, params}))
    })
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.readyState === WebSocket.CLOSED) return resolve()
      this.socket.once('close', () => resolve())
      this.socket.close()
      setTimeout(() => {
        this.socket.terminate()
        resolve()
      }, 1000).unref()
    })
  }
}
