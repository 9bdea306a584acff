/** The real Prompt adapter: @inquirer/prompts on a terminal; nobody to ask (undefined) otherwise. */
import type {Prompt} from '../app/ports.js'

export const terminalPrompt: Prompt = {
  async confirm(message) {
    if (!process.stdin.isTTY || !process.stderr.isTTY) return undefined
    const {confirm} = await import('@inquirer/prompts')
    return confirm({message, default: false}, {output: process.stderr})
  },
}
