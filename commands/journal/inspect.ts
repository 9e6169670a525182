import {Args, Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'
import {UserInputError} from '../../src/ops/errors.js'

export default class JournalInspect extends TraderCommand {
  static override summary = 'Summarise a session journal: time span, records by kind, orders, fills, gaps, torn tail.'

  static override examples = [
    '<%= config.bin %> <%= command.id %> out/run1/session.journal',
    '<%= config.bin %> <%= command.id %> out/run1/session.journal --json',
  ]

  static override args = {file: Args.string({description: 'journal file', required: true})}

  static override flags = {json: Flags.boolean({description: 'print the summary as JSON'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(JournalInspect)
    const {existsSync} = await import('node:fs')
    if (!existsSync(args.file)) throw new UserInputError(`journal ${args.file} does not exist; check the path`)
    const {readJournal} = await import('../../src/state/journal-file.js')
    const {summarizeJournal} = await import('../../src/state/journal-summary.js')
    const s = summarizeJournal(args.file, readJournal(args.file))
    if (flags.json) {
      this.log(JSON.stringify(s, null, 2))
      return
    }
    const Table = (await import('cli-table3')).default
    const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString())
    const table = new Table({style: {head: [], border: []}})
    table.push(
      ['File', s.path],
      ['Records', `${s.records} (${s.validBytes} bytes)`],
      ['Time span', `${iso(s.firstTime)} → ${iso(s.lastTime)}`],
      ['By type', Object.entries(s.byType).map(([k, v]) => `${k} ${v}`).join(', ')],
      ['Events', Object.entries(s.eventsByKind).map(([k, v]) => `${k} ${v}`).join(', ') || '-'],
      ['Orders', `${s.intents} intents, ${s.distinctOrders} distinct client order ids`],
      ['Fills', `${s.executions} executions, ${s.distinctExecutions} distinct (${s.executions - s.distinctExecutions} duplicates)`],
      ['Longest gap', s.longestGap ? `${s.longestGap.ms} ms after ${iso(s.longestGap.from)}` : '-'],
      ['Torn tail', s.tornTail ? `${s.tornTail.bytes} bytes at offset ${s.tornTail.offset}: ${s.tornTail.reason}` : 'none'],
    )
    this.log(table.toString())
  }
}
