/** Asking before data is dropped (volumes rm/prune/compact, snapshot restore/rm): --yes, or a terminal's yes. */
import {BerthError, ExitCode} from '../core/errors.js'
import type {Prompt} from './ports.js'

/** Whether to go on; without --yes and without a terminal to ask on, a one-line refusal (exit 2). `what`: "remove volumes". */
export async function confirmOrRefuse(prompt: Prompt | undefined, yes: boolean | undefined, question: string, what: string): Promise<boolean> {
  if (yes) return true
  const answer = await prompt?.confirm(question)
  if (answer === undefined) {
    throw new BerthError(`refusing to ${what} without a confirmation, and there is no terminal to ask on`, {
      exitCode: ExitCode.USAGE,
      hints: ['Run it in a terminal, or pass --yes if you are sure.'],
    })
  }
  return answer
}
