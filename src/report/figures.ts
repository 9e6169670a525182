/** Text rendering of a strategy's own figures (TP cycles, levels used, ...): a two-column table after the report. */
import Table from 'cli-table3'
import type {StrategyFigure} from '../engine/strategy.js'

export function renderFigures(figures: readonly StrategyFigure[], opts: {color?: boolean} = {}): string {
  if (figures.length === 0) return ''
  const t = new Table({
    head: ['Strategy figure', 'Value'],
    colAligns: ['left', 'left'],
    style: opts.color ? {compact: true} : {compact: true, head: [], border: []},
  })
  for (const f of figures) t.push([f.label, typeof f.value === 'number' ? String(f.value) : f.value])
  return `Strategy figures\n${t.toString()}\n`
}
