import {Flags} from '@oclif/core'
import {TraderCommand} from '../src/ops/cli-command.js'

export default class Status extends TraderCommand {
  static override summary = 'List trader sessions on this machine, however they were started: running, stale locks, health.'

  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --state-dir /srv/trader/state --json']

  static override flags = {
    'state-dir': Flags.string({description: 'state directory (default: $TRADER_STATE_DIR or $TRADER_HOME/state or ~/.trader/state)'}),
    json: Flags.boolean({description: 'print the sessions as JSON'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Status)
    const {resolveRoots} = await import('../src/ops/paths.js')
    const {listSessions} = await import('../src/state/sessions.js')
    const stateDir = resolveRoots({flags: {state: flags['state-dir']}}).state
    const sessions = await listSessions(stateDir)
    if (flags.json) {
      this.log(JSON.stringify({stateDir, sessions}, null, 2))
      return
    }
    if (sessions.length === 0) {
      this.log(`no sessions (no lock files in ${stateDir})`)
      return
    }
    const Table = (await import('cli-table3')).default
    const table = new Table({head: ['Account', 'State', 'PID', 'Epoch', 'Started', 'Health', 'Ready', 'What'], style: {head: [], border: []}})
    for (const s of sessions) {
      const yesNo = (v: boolean | undefined): string => (v === undefined ? '-' : v ? 'yes' : 'no')
      table.push([s.account, s.state, s.info?.pid ?? '-', s.info?.epoch ?? '-', s.info?.startedAt ?? '-', yesNo(s.healthy), yesNo(s.ready), s.info?.label ?? ''])
    }
    this.log(table.toString())
    if (sessions.some((s) => s.state === 'stale')) this.log('stale: the owner process is gone; the next start for that account reclaims the lock')
  }
}
