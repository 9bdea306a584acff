/** Debugging: the inspector's targets, a DevTools Protocol session, loopback bridges. (Part of the ports: src/app/ports.ts.) */

export interface InspectorTarget {
  id: string
  title: string
  type?: string
  url?: string
  webSocketDebuggerUrl?: string
  devtoolsFrontendUrl?: string
}

/** A DevTools Protocol session. */
export interface CdpSession {
  send<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: string, listener: (...params: any[]) => void): unknown
  close(): Promise<void>
}

/** A 127.0.0.1 port on the host, each connection handed to `onSocket`. */
export interface Bridge {
  port: number
  close(): Promise<void>
}

export interface DebugNetPort {
  /** GET /json/list of an inspector (Node targets only). */
  targets(host: string, port: number, timeoutMs?: number): Promise<InspectorTarget[]>
  connect(ws: string): Promise<CdpSession>
  /** Listen on 127.0.0.1:port (0: a free one); each connection is handed over as a duplex stream. */
  listenLoopback(port: number, onSocket: (socket: NodeJS.ReadWriteStream & {destroy(): void}) => void): Promise<Bridge>
}
