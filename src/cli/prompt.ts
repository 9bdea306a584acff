/** The real Prompt adapter: @inquirer/prompts on a terminal; nobody to ask (undefined) otherwise. */
import type {Prompt} from '../app/ports.js'
import {BerthError, ExitCode} from '../core/errors.js'

const canAsk = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY)
const context = () => ({output: process.stderr})

/** Ctrl-C at a question (inquirer's ExitPromptError): exit 130, nothing written. */
async function asked<T>(question: Promise<T>): Promise<T> {
  try {
    return await question
  } catch (error) {
    if ((error as Error).name === 'ExitPromptError') throw new BerthError('interrupted at a question: nothing was written', {exitCode: ExitCode.INTERRUPTED})
    throw error
  }
}

export const terminalPrompt: Prompt = {
  canAsk,
  async confirm(message, defaultValue = false) {
    if (!canAsk()) return undefined
    const {confirm} = await import('@inquirer/prompts')
    return asked(confirm({message, default: defaultValue}, context()))
  },
  async input(message, options = {}) {
    if (!canAsk()) return undefined
    const {input} = await import('@inquirer/prompts')
    return asked(input({message, default: options.default, validate: options.validate}, context()))
  },
  async select(message, choices, defaultValue) {
    if (!canAsk()) return undefined
    const {select} = await import('@inquirer/prompts')
    return asked(select({message, choices, default: defaultValue}, context()))
  },
  async checkbox(message, choices) {
    if (!canAsk()) return undefined
    const {checkbox} = await import('@inquirer/prompts')
    return asked(checkbox({message, choices}, context()))
  },
}
