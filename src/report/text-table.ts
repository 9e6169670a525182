/** The one cli-table3 factory of the text reports: compact, aligned, header colour only when the caller asks. */
import Table from 'cli-table3'

// Header colour is applied here rather than through cli-table3's styles: those go through
// @colors/colors, which switches itself off when it guesses the terminal has no colour (CI, pipes),
// so `color: true` would silently mean nothing. The caller decides; cli-table3 measures widths ANSI-aware.
const CYAN = '\u001B[36m'
const RESET = '\u001B[39m'

export function textTable(head: string[], color: boolean, colAligns: Table.HorizontalAlignment[]): Table.Table {
  return new Table({
    head: color ? head.map((h) => `${CYAN}${h}${RESET}`) : head,
    colAligns,
    // compact: no rule between body rows; empty styles: no escapes from cli-table3 itself.
    style: {compact: true, head: [], border: []},
  })
}
