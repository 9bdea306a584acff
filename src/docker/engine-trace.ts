/**
 * Each engine call (method and path, and how it ended) as a trace line for the file BERTH_TRACE_FILE names (not
 * for --debug on a terminal: there are dozens per command). Where a berth that hung was waiting shows there.
 */
import type Dockerode from 'dockerode'
import {trace, tracing} from '../infra/trace.js'

type Dial = (options: {method?: string; path?: string}, callback: (error: unknown, data: unknown) => void) => unknown

export function traceEngineCalls(docker: Dockerode): Dockerode {
  if (!tracing()) return docker
  const modem = docker.modem as unknown as {dial: Dial}
  const dial = modem.dial.bind(modem)
  modem.dial = (options, callback) => {
    const what = `engine ${options.method ?? 'GET'} ${(options.path ?? '').split('?')[0]}`
    trace(what, {fileOnly: true})
    return dial(options, (error, data) => {
      const e = error as {statusCode?: number; message?: string} | null
      trace(`${what}: ${e ? `error ${e.statusCode ?? e.message}` : 'answered'}`, {fileOnly: true})
      callback(error, data)
    })
  }
  return docker
}
