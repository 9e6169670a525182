import {Flags} from '@oclif/core'
import {TraderCommand} from '../src/ops/cli-command.js'
import {UserInputError} from '../src/core/errors.js'

export default class Backtest extends TraderCommand {
  static override summary = 'Run a strategy on historical bars against the simulated exchange and print the report.'

  static override description = `Bars stream from the DuckDB market-data store (the bundled real sample is imported on first use).
Market orders fill at the next bar's open by default; partial fills, fees, slippage and latency follow the simulator settings.
The same data, settings and seed always give the same trades and the same journal hash.
Exit code 3: the run completed, but the venue or the risk engine refused more than half of its orders; the report is printed, then one line naming the main rejection code and its fix.`

  static override examples = [
    {description: 'The default strategy (sma-cross) on the bundled real minute data', command: '<%= config.bin %> <%= command.id %>'},
    {description: 'SPY only, one day, with fees, slippage and latency', command: '<%= config.bin %> <%= command.id %> --symbols SPY --from 2013-10-07 --to 2013-10-07 --fee 0.0005 --slippage 2bps --latency 50:20'},
    {description: 'The baseline on daily bars', command: '<%= config.bin %> <%= command.id %> --strategy buy-and-hold --timeframe 1d --symbols SPY,QQQ'},
    {description: 'Strategy parameters, output files and the report as JSON', command: `<%= config.bin %> <%= command.id %> --params '{"fast":5,"slow":20}' --out out/run1 --json`},
    {description: 'Everything from a config file (flags override it)', command: '<%= config.bin %> <%= command.id %> --config backtest.json'},
    {description: 'A bot of a fleet file, with its trading hours and cooldown', command: '<%= config.bin %> <%= command.id %> --config examples/fleet.yaml --bot sma-spy'},
  ]

  static override flags = {
    strategy: Flags.string({char: 's', description: 'strategy: sma-cross (default), buy-and-hold, momentum, grid, opening-range, parabolic-sar, volume-profile, consensus'}),
    params: Flags.string({description: 'strategy parameters as JSON, e.g. \'{"fast":5,"slow":20}\''}),
    symbols: Flags.string({description: 'comma-separated symbols (default: every symbol of one venue in the store)'}),
    from: Flags.string({description: 'start: YYYY-MM-DD (UTC), ISO date-time or epoch ms'}),
    to: Flags.string({description: 'end: YYYY-MM-DD (inclusive), ISO date-time (exclusive) or epoch ms'}),
    timeframe: Flags.string({char: 't', description: 'bar timeframe: 1m, 5m, 15m, 1h, 1d (default 1m)'}),
    cash: Flags.integer({description: 'starting cash (default 100000)'}),
    fee: Flags.string({description: 'fee rate per traded notional, maker and taker (e.g. 0.0005 = 5 bps)'}),
    slippage: Flags.string({description: 'adverse slippage on market and stop fills: basis points (2, 2bps) or ticks (1tick)'}),
    participation: Flags.string({description: "share of a bar's volume orders may take (default 0.1; the rest fills later), or none: no volume limit (backtrader's convention)"}),
    latency: Flags.string({description: 'venue latency in ms, fixed or fixed:jitter (e.g. 50:20; jitter is seeded)'}),
    seed: Flags.integer({description: 'seed of the simulator (jitter, fault probabilities)'}),
    'position-mode': Flags.string({options: ['one-way', 'hedge'], description: "perpetuals: one-way (Bybit's default, positionIdx 0) or hedge (long and short legs); default: what the strategy needs (grid: hedge), else one-way"}),
    config: Flags.string({char: 'c', description: 'JSON config file (strategy, params, symbols, from, to, timeframe, db, sim, risk), or with --bot a fleet file'}),
    bot: Flags.string({description: "with --config FLEET: backtest this bot (its strategy, params, symbols, timeframe, risk, schedule and cooldownMinutes)"}),
    db: Flags.string({description: 'market-data database (default: $TRADER_DATA_DB or data/trader.duckdb)'}),
    out: Flags.string({char: 'o', description: 'write orders, fills, trades and the equity curve as CSV and Parquet into this directory'}),
    json: Flags.boolean({description: 'print the report as JSON on stdout'}),
    risk: Flags.boolean({default: true, allowNo: true, description: 'pre-trade risk checks (exposure cap, open orders, spacing, staleness, kill switch); --no-risk turns them off'}),
    journal: Flags.string({description: 'also write the session journal (checksum-framed JSON lines) to this file; see `trader journal inspect`'}),
    audit: Flags.string({description: 'audit trail: append every order and fill to CSV in this directory as it happens (Parquet copies at the end); entries pause while it cannot be written'}),
    account: Flags.string({description: "account id: start from its persisted kill switch (<state>/<account>.risk.json) and persist it when it trips; see `trader risk status`"}),
    'state-dir': Flags.string({description: 'state directory for --account (default: $TRADER_STATE_DIR or $TRADER_HOME/state or ~/.trader/state)'}),
  }

  async run(): Promise<void> {
    const {flags} = await this.parse(Backtest)
    const {planBacktest, runBacktestJob} = await import('../src/run/backtest-job.js')
    const {reportOf, outputsOf} = await import('../src/run/backtest-report.js')
    const fee = flags.fee === undefined ? undefined : Number(flags.fee)
    if (fee !== undefined && !(fee >= 0 && fee < 1)) throw new UserInputError(`--fee '${flags.fee}' must be a rate between 0 and 1, e.g. 0.0005 for 5 bps`)
    const plan = await planBacktest({...flags, fee, positionMode: flags['position-mode'] as 'one-way' | 'hedge' | undefined})
    const {checkOutputDirectory} = await import('../src/ops/output-paths.js')
    checkOutputDirectory('--out', flags.out)
    checkOutputDirectory('--audit', flags.audit)
    const progress = process.stderr.isTTY && !flags.json
    const {Journal} = await import('../src/engine/journal.js')
    const {JournalFile} = await import('../src/state/journal-file.js')
    if (flags.journal && (await import('node:fs')).existsSync(flags.journal)) {
      throw new UserInputError(`--journal ${flags.journal} already exists; a backtest writes a new journal, so choose another file or delete it`)
    }
    const journalFile = flags.journal ? new JournalFile(flags.journal) : undefined
    let job: Awaited<ReturnType<typeof runBacktestJob>>
    try {
      const session = await this.sessionOptions(flags)
      job = await runBacktestJob(plan, {
        journal: new Journal({sinks: journalFile ? [journalFile] : []}),
        ...session,
        onProgress: progress
          ? (bars, ts, total) => process.stderr.write(`\r${bars.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} bars  ${new Date(ts).toISOString().slice(0, 16)}Z `)
          : undefined,
      })
    } finally {
      journalFile?.close()
      // A run that failed before its first record leaves no empty journal behind to be mistaken for one.
      if (journalFile && flags.journal) {
        const fs = await import('node:fs')
        if (fs.existsSync(flags.journal) && journalFile.records === 0) fs.unlinkSync(flags.journal)
      }
    }
    if (progress) process.stderr.write('\r\x1b[K')
    for (const n of job.notices) this.logToStderr(`note: ${n}`)
    const report = reportOf(plan.strategy, plan.timeframe, job.result, job.instruments)
    if (flags.out) {
      const {writeRunOutputs} = await import('../src/report/output.js')
      const files = await writeRunOutputs(flags.out, outputsOf(job.result))
      if (!flags.json) this.logToStderr(`wrote ${files.length} files to ${flags.out}`)
    }
    if (job.result.killSwitch && flags.account) this.logToStderr(`kill switch engaged for ${flags.account}: ${job.result.killSwitch.reason ?? ''}; clear it with \`trader risk clear --account ${flags.account}\``)
    const audit = job.result.audit
    if (audit && (audit.outages > 0 || audit.unwritten > 0)) {
      this.logToStderr(`warning: audit trail ${audit.dir} was unavailable ${audit.outages} time(s); ${audit.unwritten} line(s) still unwritten`)
    }
    if (job.result.violations.length > 0) {
      this.logToStderr(`warning: ${job.result.violations.length} invariant violation(s), first: ${job.result.violations[0].rule} ${job.result.violations[0].detail}`)
    }
    if (flags.json) {
      const figures = job.result.figures.length > 0 ? {strategyFigures: job.result.figures} : {}
      this.log(JSON.stringify({...report, journalHash: job.result.journalHash, ...figures}, null, 2))
      return this.failOnRefusals(job.result)
    }
    const {renderReport} = await import('../src/report/tables.js')
    this.log(renderReport(report, {color: Boolean(process.stdout.isTTY)}))
    if (job.result.figures.length > 0) {
      const {renderFigures} = await import('../src/report/figures.js')
      this.log(renderFigures(job.result.figures, {color: Boolean(process.stdout.isTTY)}))
    }
    this.log(`journal sha256 ${job.result.journalHash} (${job.result.journalRecords} records)`)
    await this.failOnRefusals(job.result)
  }

  /**
   * No silent failure: when the venue or the risk engine refused more than half of the orders, one line naming the
   * main rejection code and its fix, after the report (the user needs it to see what happened), and exit code 3.
   */
  private async failOnRefusals(result: import('../src/run/backtest.js').BacktestResult): Promise<void> {
    const {backtestRefusals, checkRefusals, RefusedOrdersError} = await import('../src/engine/refusal-check.js')
    const verdict = checkRefusals(backtestRefusals(result))
    if (!verdict) return
    // The exit must not cut off a large report still on its way down a pipe.
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
    throw new RefusedOrdersError(verdict)
  }

  /** The kill switch of --account (from the state directory) and the audit trail of --audit. */
  private async sessionOptions(flags: {account?: string; 'state-dir'?: string; audit?: string; risk: boolean}) {
    const out: {kill?: import('../src/risk/risk-engine.js').KillSwitch; onKill?: (k: import('../src/risk/risk-engine.js').KillSwitch) => void; audit?: import('../src/risk/audit-trail.js').AuditTrail} = {}
    if (flags.account) {
      const {resolveRoots} = await import('../src/ops/paths.js')
      const {loadKillSwitch, saveKillSwitch, KillSwitchFileError} = await import('../src/risk/kill-switch-file.js')
      const stateDir = resolveRoots({flags: {state: flags['state-dir']}}).state
      const account = flags.account
      try {
        out.kill = loadKillSwitch(stateDir, account)
      } catch (err) {
        if (err instanceof KillSwitchFileError) throw new UserInputError(err.message)
        throw err
      }
      if (out.kill?.engaged) {
        this.logToStderr(`kill switch of ${account} is ENGAGED (${out.kill.reason ?? 'no reason recorded'}): new entries are refused; \`trader risk clear --account ${account}\` clears it`)
        if (!flags.risk) throw new UserInputError(`--no-risk cannot be used with --account ${account}: its kill switch is engaged; clear it first with \`trader risk clear --account ${account}\``)
      }
      out.onKill = (kill) => void saveKillSwitch(stateDir, account, kill)
    }
    if (flags.audit) {
      const {AuditTrail} = await import('../src/risk/audit-trail.js')
      const {createLogger, engineLog} = await import('../src/ops/log.js')
      out.audit = new AuditTrail({dir: flags.audit}, engineLog(await createLogger({level: 'warn', pretty: true})))
    }
    return out
  }
}
