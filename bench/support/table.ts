/** The README's benchmark table, from a report. */
import type { BenchReport, MeasureResult } from './types.js';

function cell(value: number | null, unit: string): string {
  return value === null ? '—' : `${value} ${unit}`;
}

function ratioCell(r: MeasureResult): string {
  if (r.ratio === null) return '—';
  return r.ratioIs === 'baseline/ours' ? `${r.ratio}× faster` : `${r.ratio}`;
}

/** Markdown escaping of the few characters that break a table cell. */
function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The measure id of a table row (`| P7 | ...`), or undefined. */
function rowId(row: string): number | undefined {
  const m = /^\| P(\d+) \|/.exec(row);
  return m ? Number(m[1]) : undefined;
}

/**
 * Rows of a README benchmark table whose measure the bench does not run (P7 comes from
 * `npm run test:scale`): kept as they are when the section is written again.
 */
export function keptRows(readme: string, ran: string[]): string[] {
  return readme.split('\n').filter((line) => {
    const id = rowId(line);
    return id !== undefined && !ran.includes(`P${id}`) && line.split('|').length === 9;
  });
}

/**
 * `| id | measure | ours | baseline | ratio | target | met |` rows for every result, and the
 * `kept` rows of measures run elsewhere, in id order.
 */
export function resultsTable(results: MeasureResult[], kept: string[] = []): string {
  const lines = ['| id | measure | ours | baseline | ratio | target | met |', '|---|---|---|---|---|---|---|'];
  const extra = [...kept];
  const flush = (before: number): void => {
    while (extra.length > 0 && rowId(extra[0]!)! < before) lines.push(extra.shift()!);
  };
  for (const r of results) {
    flush(Number(r.id.slice(1)));
    if (r.skipped !== undefined) {
      lines.push(`| ${r.id} | ${md(r.measure)} | — | — | — | ${md(r.target)} | **skipped**: ${md(r.skipped)} |`);
      continue;
    }
    lines.push(`| ${r.id} | ${md(r.measure)} | ${cell(r.ours, r.unit)} | ${cell(r.baseline, r.unit)} | ${ratioCell(r)} | ${md(r.target)} | ${r.met ? 'yes' : '**no**'} |`);
  }
  flush(Number.POSITIVE_INFINITY);
  return lines.join('\n');
}

/** `| id | client | time | client CPU | peak RSS |` rows for results that measured peers side by side; '' when none did. */
export function contendersTable(results: MeasureResult[]): string {
  const rows = results.flatMap((r) => (r.contenders ?? []).map((c) => `| ${r.id} | ${md(c.name)} | ${c.seconds} s | ${c.cpuSeconds === undefined ? '—' : `${c.cpuSeconds} s`} | ${c.peakRssMiB === undefined ? '—' : `${c.peakRssMiB} MiB`} |`));
  if (rows.length === 0) return '';
  return ['| id | client | time | client CPU | peak RSS |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** One line saying where the figures come from. */
export function provenance(report: BenchReport): string {
  const minute = (iso: string): string => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
  // Measures run again later keep their own date; say which figures come from which run.
  const byRun = new Map<string, string[]>();
  for (const r of report.results) {
    const at = minute(r.ranAt ?? report.finishedAt);
    byRun.set(at, [...(byRun.get(at) ?? []), r.id]);
  }
  const runs = byRun.size <= 1 ? `Run of ${minute(report.finishedAt)}` : `Runs of ${[...byRun].map(([at, ids]) => `${at} (${ids.join(', ')})`).join(' and ')}`;
  return `${runs}, Node ${report.node}, ${report.cpus} CPUs, ${report.runs} run${report.runs === 1 ? '' : 's'} per side (median)${report.quick ? ', --quick sizes' : ''}.`;
}
