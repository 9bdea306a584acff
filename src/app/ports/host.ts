/** The host: its ports, berth's local CA, the machine's facts, the clock, signals, file watching, and what berth doctor asks of it. (Part of the ports: src/app/ports.ts.) */

/** Host ports: is one free, and who holds it. */
export interface HostPortsPort {
  canBind(host: string, port: number): Promise<boolean>
  describeListener(port: number): string | undefined
}

/** berth's local certificate authority and the certificates it signs (src/infra/tls.ts). The CA key never leaves this machine. */
export interface TlsPort {
  /** The CA, created once under berth's state folder (ca.crt, and ca.key with mode 0600). */
  ca(): Promise<TlsAuthority>
  /** The project's certificate for localhost, 127.0.0.1 and ::1, signed by the CA; made again only when it is no longer valid. */
  leaf(project: string): Promise<TlsLeaf>
  /** /etc/os-release's ID and ID_LIKE on Linux (which trust commands fit), else undefined. */
  linuxFamily(): string[] | undefined
}

export interface TlsAuthority {
  /** Absolute path of ca.crt. */
  certFile: string
  /** Whether this call created it. */
  created: boolean
  /** SHA-256 fingerprint (AA:BB:...). */
  fingerprint: string
  notAfter: string
}

export interface TlsLeaf {
  /** PEM. */
  cert: string
  key: string
  fingerprint: string
  notAfter: string
}

/** Facts of the machine berth runs on (the front door's mode depends on them). */
export interface MachineFacts {
  platform: string
  hostname: string
  release: string
}

export interface Clock {
  now(): number
  sleep(ms: number): Promise<void>
}

/** Ctrl-C and SIGTERM, for use cases that must undo or record what they started. */
export interface InterruptPort {
  /** Calls `handler` on an interrupt until the returned function is called. */
  watch(handler: () => void): () => void
}

/** Watches files (chokidar): node_modules and .berth are ignored when registering, not after. */
export interface FileWatcherPort {
  watch(paths: string[], ignored: (p: string) => boolean, onChange: (file: string) => void): Promise<{close(): Promise<void>}>
}

// ---- berth doctor ---------------------------------------------------------------------------------

/** The docker CLI's choice of engine, as berth doctor reports it. */
export interface DockerContextInfo {
  /** "default" unless a context was chosen. */
  name: string
  /** What chose it: DOCKER_HOST, DOCKER_CONTEXT, the docker config's currentContext, or default (nothing: the local socket). */
  chosenBy: string
  address: string
}

/** Facts of this machine only berth doctor asks for. */
export interface DiagnosticsPort {
  /** Throws a BerthError (DOCKER) when the chosen context does not exist. */
  dockerContext(): DockerContextInfo
  /** `git --version`'s version; undefined when git is not on PATH. */
  gitVersion(): Promise<string | undefined>
  /** A small text file (under /proc), undefined when absent. */
  readText(file: string): string | undefined
  /** Free and total bytes of the file system holding `path` on this machine; undefined when it is not here. */
  diskSpace(path: string): Promise<{free: number; total: number} | undefined>
  /** A PEM certificate's subject and expiry; undefined when the file is absent; throws when it is not a certificate. */
  certificate(file: string): {subject: string; notAfter: Date} | undefined
  /** berth's state folder (its local CA is tls/ca.crt there). */
  stateDir: string
}
