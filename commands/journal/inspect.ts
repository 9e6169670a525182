import {Args, Flags} from '@oclif/core'
import {TraderCommand} from '../../src/ops/cli-command.js'
import {UserInputError} from '../../src/core/errors.js'

export default class JournalInspect extends TraderCommand {
  static override summary = 'Summarise a session journal: time span, records by kind, orders, fills, gaps, torn tail.'

  static override description = `Checks every record's checksum and the checksum chain while it reads (a file or a segmented journal's
directory, streamed: memory stays flat). Exits 2 with the byte offset when the journal is corrupt (a bad record
before the last one, a broken chain, data after the session's end record) or is not a journal; a torn last record
(a crash mid-write) is a warning.`

  static override examples = [
    '<%= config.bin %> <%= command.id %> out/run1/session.journal',
    '<%= config.bin %> <%= command.id %> out/run1/session.journal --json',
    '<%= config.bin %> <%= command.id %> ~/.trader/journals/default-paper-2026-12-07T09-00-00-000Z.journal',
  ]

  static override args = {file: Args.string({description: "journal file (a segmented journal: its first segment)", required: true})}

  static override flags = {json: Flags.boolean({description: 'print the summary as JSON'})}

  async run(): Promise<void> {
    const {args, flags} = await this.parse(JournalInspect)
    const {existsSync} = await import('node:fs')
    if (!existsSync(args.file)) throw new UserInputError(`journal ${args.file} does not exist; check the path`)
    const {openJournalStream} = await import('../../src/state/journal-stream.js')
    const {summarizeJournal} = await import('../../src/state/journal-summary.js')
    const stream = openJournalStream(args.file)
    let s
    try {
      s = summarizeJournal(args.file, stream)
    } finally {
      stream.close()
    }
    const torn = s.tornTail
    if (torn) this.logToStderr(`warning: ${torn.file}: torn tail of ${torn.bytes} bytes at byte ${torn.offset} (${torn.reason}); a crash mid-write — the writer cuts it when it reopens the journal`)
    if (flags.json) {
      this.log(JSON.stringify(s, null, 2))
      return
    }
    const Table = (await import('cli-table3')).default
    const iso = (t: number | null): string => (t === null ? '-' : new Date(t).toISOString())
    const table = new Table({style: {head: [], border: []}})
    table.push(
      ['File', s.path],
      ['Records', `${s.records} (${s.validBytes} bytes${s.segments > 1 ? ` in ${s.segments} segments` : ''})${s.ended ? ', ended cleanly' : ''}`],
      ['Time span', `${iso(s.firstTime)} → ${iso(s.lastTime)}`],
      ['By type', Object.entries(s.byType).map(([k, v]) => `${k} ${v}`).join(', ')],
      ['Events', Object.entries(s.eventsByKind).map(([k, v]) => `${k} ${v}`).join(', ') || '-'],
      ['Orders', `${s.intents} intents, ${s.distinctOrders} distinct client order ids`],
      ['Fills', `${s.executions} executions, ${s.distinctExecutions} distinct (${s.executions - s.distinctExecutions} duplicates)`],
      ['Longest gap', s.longestGap ? `${s.longestGap.ms} ms after ${iso(s.longestGap.from)}` : '-'],
      ['Torn tail', torn ? `${torn.bytes} bytes at offset ${torn.offset} of ${torn.file}: ${torn.reason}` : 'none'],
    )
    this.log(table.toString())
  }
}
