/** Text rendering of a strategy's own figures (TP cycles, levels used, ...): a two-column table after the report. */
import type {StrategyFigure} from '../engine/strategy.js'
import {textTable} from './text-table.js'

export function renderFigures(figures: readonly StrategyFigure[], opts: {color?: boolean} = {}): string {
  if (figures.length === 0) return ''
  const t = textTable(['Strategy figure', 'Value'], opts.color ?? false, ['left', 'left'])
  for (const f of figures) t.push([f.label, typeof f.value === 'number' ? String(f.value) : f.value])
  return `Strategy figures\n${t.toString()}\n`
}
