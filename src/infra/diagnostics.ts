/**
 * The facts of this machine berth doctor reports: which docker context is in use, git's version, small
 * /proc files, free disk space (statfs), and berth's local CA certificate (node:crypto X509Certificate).
 */
import {execFile} from 'node:child_process'
import {X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {statfs} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type {DiagnosticsPort, DockerContextInfo} from '../app/ports.js'
import {describeEndpoint, resolveEngineEndpoint} from '../docker/context.js'
import {stateDir} from './state.js'

function contextInfo(env: NodeJS.ProcessEnv): DockerContextInfo {
  const endpoint = resolveEngineEndpoint(env)
  const address = describeEndpoint(endpoint, env)
  if (env.DOCKER_HOST) return {name: 'default', chosenBy: 'DOCKER_HOST', address}
  if (endpoint.context === 'default') return {name: 'default', chosenBy: env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : 'default', address}
  const config = path.join(env.DOCKER_CONFIG || path.join(os.homedir(), '.docker'), 'config.json')
  return {name: endpoint.context, chosenBy: env.DOCKER_CONTEXT ? 'DOCKER_CONTEXT' : `currentContext in ${config}`, address: endpoint.host ?? address}
}

function gitVersion(): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', ['--version'], {encoding: 'utf8', timeout: 10_000}, (error, stdout) => {
      resolve(error ? undefined : (/(\d+\.\d+[\w.]*)/.exec(stdout)?.[1] ?? stdout.trim()))
    })
  })
}

export function hostDiagnostics(env: NodeJS.ProcessEnv = process.env): DiagnosticsPort {
  return {
    dockerContext: () => contextInfo(env),
    gitVersion,
    readText(file) {
      try {
        return readFileSync(file, 'utf8')
      } catch {
        return undefined
      }
    },
    async diskSpace(dir) {
      try {
        const s = await statfs(dir)
        return {free: s.bavail * s.bsize, total: s.blocks * s.bsize}
      } catch {
        return undefined
      }
    },
    certificate(file) {
      let pem: string
      try {
        pem = readFileSync(file, 'utf8')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw error
      }
      const cert = new X509Certificate(pem)
      return {subject: cert.subject.replace(/\n/g, ', '), notAfter: new Date(cert.validTo)}
    },
    stateDir: stateDir(env),
  }
}
