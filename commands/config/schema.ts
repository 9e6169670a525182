import {Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'

export default class ConfigSchema extends TraderCommand {
  static override summary = 'Print the JSON Schema of fleet files (generated from the validator), for editor completion.'

  static override examples = ['<%= config.bin %> <%= command.id %> > fleet.schema.json']

  static override flags = {out: Flags.string({description: 'write to this file instead of stdout'})}

  async run(): Promise<void> {
    const {flags} = await this.parse(ConfigSchema)
    const {fleetJsonSchema} = await import('../../src/config/fleet-config.js')
    const text = `${JSON.stringify(fleetJsonSchema(), null, 2)}\n`
    if (flags.out) (await import('node:fs')).writeFileSync(flags.out, text)
    else process.stdout.write(text)
  }
}
