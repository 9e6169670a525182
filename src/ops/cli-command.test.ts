import {resolve} from 'node:path'
import {Config} from '@oclif/core'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {ConfigError} from '../core/errors.js'
import {TraderCommand} from './cli-command.js'

/** A command whose run throws `err`: what the one handler printed, and the exit code it chose. */
async function outcome(err: Error): Promise<{stderr: string; exit: number | undefined}> {
  class Throws extends TraderCommand {
    async run(): Promise<void> {
      throw err
    }
  }
  const config = await Config.load(resolve(import.meta.dirname, '../..'))
  let stderr = ''
  const write = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true))
  let exit: number | undefined
  try {
    await Throws.run([], config)
  } catch (e) {
    exit = (e as {oclif?: {exit?: number}}).oclif?.exit
  } finally {
    write.mockRestore()
  }
  return {stderr, exit}
}

afterEach(() => vi.unstubAllEnvs())

describe('the one error handler', () => {
  it('prints a user error as one line with its hint and exits with its code', async () => {
    const r = await outcome(new ConfigError('bad.json: risk.maxDrawdown: expected a number', {hint: 'see trader config schema'}))
    expect(r.stderr).toBe('Error: bad.json: risk.maxDrawdown: expected a number (see trader config schema)\n')
    expect(r.exit).toBe(2)
  })

  it('prints an unexpected failure as one line too: no class name, no stack trace, exit 1', async () => {
    vi.stubEnv('DEBUG', '')
    class ClockError extends Error {}
    const r = await outcome(new ClockError('virtual clock cannot move back\nfrom 2 to 1'))
    expect(r.stderr).toBe('Error: unexpected failure: virtual clock cannot move back from 2 to 1 (run the command again with DEBUG=* for the stack trace)\n')
    expect(r.stderr).not.toMatch(/ClockError|\n\s+at /)
    expect(r.exit).toBe(1)
  })
})
