import {Command} from '@oclif/core'
export default class Hello extends Command {
  static override description = 'x'
  async run(): Promise<void> { this.log('hi') }
}
