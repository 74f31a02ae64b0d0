/** The README's benchmark tables, printed from a run's results (figures, then growth exponents). */
import type { Figure } from './context.js';
import type { Growth } from './scales.js';

function formatNumber(value: number): string {
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(value: number | null, unit = ''): string {
  return value === null ? '–' : `${formatNumber(value)}${unit ? ` ${unit}` : ''}`;
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

export function figuresTable(figures: readonly Figure[]): string {
  const lines = [
    row(['figure', 'scale', 'Satchel', 'peer', 'peer value', 'ratio', 'goal', 'met']),
    row(Array<string>(8).fill('---')),
  ];
  for (const figure of figures) {
    lines.push(
      row([
        figure.name,
        figure.scale ?? '–',
        cell(figure.value, figure.unit),
        figure.peer ?? '–',
        cell(figure.peerValue),
        cell(figure.ratio),
        figure.goal ?? '–',
        figure.met === null ? '–' : figure.met ? 'yes' : 'no',
      ]),
    );
  }
  return lines.join('\n');
}

export function growthTable(growth: readonly Growth[]): string {
  const pairs = [...new Set(growth.flatMap((entry) => entry.exponents.map((e) => `${e.from}→${e.to}`)))];
  const lines = [
    row(['figure', ...pairs.map((pair) => `k ${pair}`), ...pairs.map((pair) => `peer k ${pair}`)]),
    row(Array<string>(1 + 2 * pairs.length).fill('---')),
  ];
  for (const entry of growth) {
    const at = (pair: string) => entry.exponents.find((e) => `${e.from}→${e.to}` === pair);
    lines.push(
      row([
        entry.name,
        ...pairs.map((pair) => cell(at(pair)?.value ?? null)),
        ...pairs.map((pair) => cell(at(pair)?.peer ?? null)),
      ]),
    );
  }
  return lines.join('\n');
}
