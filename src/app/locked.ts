/** Use cases that change a project's stacks or volumes run one at a time per project. */
import type {Deps} from './ports.js'
import type {Project} from './project.js'

/** Run fn holding the project's lock, saying so when another berth command holds it first. */
export function locked<T>(project: Project, deps: Pick<Deps, 'lock' | 'reporter'>, fn: () => Promise<T>): Promise<T> {
  return deps.lock.hold(project.stack.value.name, fn, (holder) => deps.reporter.info(`Waiting for another berth command on this project (${holder})...`))
}
