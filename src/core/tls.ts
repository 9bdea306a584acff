/**
 * TLS of the front door (pure): what berth's local CA and the per-project certificates are, and the exact
 * commands that make this machine trust the CA (`berth tls trust` prints them; berth never runs them).
 */

/** The CA is valid this long; a project's certificate for 365 days and is made again 30 days before its end. */
export const CA_DAYS = 3650
export const LEAF_DAYS = 365
export const RENEW_DAYS = 30
/** What every project certificate is valid for. */
export const LEAF_DNS = ['localhost']
export const LEAF_IPS = ['127.0.0.1', '::1']
export const CA_NAME = 'berth local CA'

export interface TrustStep {
  /** Who this is for ("Debian, Ubuntu"; "Node.js"...). */
  for: string
  /** Commands to run, one per line, exactly as printed. */
  commands: string[]
  /** A short note instead of (or after) commands. */
  note?: string
}

export interface TrustInstructions {
  ca: string
  fingerprint: string
  /** The steps for this machine first, then the ones every machine needs (Node, Firefox). */
  steps: TrustStep[]
}

/** Quote a path for a POSIX shell (the commands are printed for the user to copy). */
export function shQuote(text: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`
}

function psQuote(text: string): string {
  return `"${text.replaceAll('"', '`"')}"`
}

const DEBIAN: (ca: string) => TrustStep = (ca) => ({
  for: 'Debian, Ubuntu',
  commands: [`sudo cp ${shQuote(ca)} /usr/local/share/ca-certificates/berth-local-ca.crt`, 'sudo update-ca-certificates'],
  note: 'Undo: sudo rm /usr/local/share/ca-certificates/berth-local-ca.crt && sudo update-ca-certificates --fresh',
})
const FEDORA: (ca: string) => TrustStep = (ca) => ({
  for: 'Fedora, RHEL, CentOS',
  commands: [`sudo cp ${shQuote(ca)} /etc/pki/ca-trust/source/anchors/berth-local-ca.crt`, 'sudo update-ca-trust'],
  note: 'Undo: sudo rm /etc/pki/ca-trust/source/anchors/berth-local-ca.crt && sudo update-ca-trust',
})
const ARCH: (ca: string) => TrustStep = (ca) => ({
  for: 'Arch Linux',
  commands: [`sudo trust anchor --store ${shQuote(ca)}`],
  note: `Undo: sudo trust anchor --remove ${shQuote(ca)}`,
})

/** The steps for this operating system (Linux: the family os-release names first, then the others). */
export function systemSteps(platform: string, ca: string, linuxFamily: readonly string[] = []): TrustStep[] {
  if (platform === 'darwin') {
    return [{for: 'macOS', commands: [`sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${shQuote(ca)}`], note: `Undo: sudo security remove-trusted-cert -d ${shQuote(ca)}`}]
  }
  if (platform === 'win32') {
    return [{for: 'Windows (PowerShell as Administrator)', commands: [`certutil -addstore -f Root ${psQuote(ca)}`], note: `Only for you, without Administrator: certutil -user -addstore Root ${psQuote(ca)}. Undo: certutil -delstore Root "${CA_NAME}"`}]
  }
  const all = [
    {ids: ['debian', 'ubuntu'], step: DEBIAN(ca)},
    {ids: ['fedora', 'rhel', 'centos'], step: FEDORA(ca)},
    {ids: ['arch'], step: ARCH(ca)},
  ]
  const mine = all.findIndex((s) => s.ids.some((id) => linuxFamily.includes(id)))
  if (mine > 0) all.unshift(...all.splice(mine, 1))
  return all.map((s) => s.step)
}

/** Everything `berth tls trust` prints: the system's trust store, then Node.js and Firefox, which keep their own. */
export function trustInstructions(platform: string, ca: string, fingerprint: string, linuxFamily?: readonly string[]): TrustInstructions {
  const env = platform === 'win32' ? `$env:NODE_EXTRA_CA_CERTS = ${psQuote(ca)}` : `export NODE_EXTRA_CA_CERTS=${shQuote(ca)}`
  return {
    ca,
    fingerprint,
    steps: [
      ...systemSteps(platform, ca, linuxFamily),
      {for: 'Node.js (fetch, https, test runners): its own list, not the system\'s', commands: [env], note: 'Put it in your shell profile to keep it.'},
      {
        for: 'Firefox: its own store',
        commands: [],
        note: `Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import ${ca} (trust it for websites); on macOS and Windows, security.enterprise_roots.enabled = true in about:config reads the system's store instead.`,
      },
    ],
  }
}

/** The instructions as text for a terminal. */
export function trustText(t: TrustInstructions): string {
  const lines = [`berth's local CA: ${t.ca}`, `SHA-256 fingerprint: ${t.fingerprint}`, 'berth never trusts it for you; to trust it on this machine, run:', '']
  for (const step of t.steps) {
    lines.push(`# ${step.for}`)
    lines.push(...step.commands)
    if (step.note) lines.push(`# ${step.note}`)
    lines.push('')
  }
  lines.push('Without this, clients need the CA given to them, e.g. curl --cacert CA_FILE https://127.0.0.1:PORT/')
  return lines.join('\n')
}
