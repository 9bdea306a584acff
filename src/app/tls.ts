/** Use cases: berth's local CA (where it is) and how to trust it on this machine (printed, never run). */
import {trustInstructions, type TrustInstructions} from '../core/tls.js'
import type {Deps, TlsAuthority} from './ports.js'

/** OS names `berth tls trust --os` takes, as a platform and a Linux family. */
export const TRUST_OS = {macos: ['darwin'], windows: ['win32'], debian: ['linux', 'debian'], fedora: ['linux', 'fedora'], arch: ['linux', 'arch']} as const
export type TrustOs = keyof typeof TRUST_OS

/** The CA (made now if it did not exist). */
export function authority(deps: Pick<Deps, 'tls'>): Promise<TlsAuthority> {
  return deps.tls.ca()
}

/** The commands that make this machine (or `os`) trust the CA, for the system, Node.js and Firefox. */
export async function trust(deps: Pick<Deps, 'tls' | 'machine'>, os?: TrustOs): Promise<TrustInstructions & {created: boolean}> {
  const ca = await deps.tls.ca()
  const [platform, family] = os ? TRUST_OS[os] : [deps.machine.platform, undefined]
  const linux = family ? [family] : platform === 'linux' ? (deps.tls.linuxFamily() ?? []) : []
  return {...trustInstructions(platform, ca.certFile, ca.fingerprint, linux), created: ca.created}
}
