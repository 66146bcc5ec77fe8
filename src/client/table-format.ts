/**
 * Tabular output as Open vSwitch's lib/table.c prints it (`--format=table|list|csv|json|html`,
 * `--data=string|bare|json`, `--no-headings`, `--bare`, `--pretty`, `--max-column-width`), so
 * `ovsdb-ts client` can replace ovsdb-client in scripts that parse its output.
 */
import { Buffer } from 'node:buffer';
import type { Json } from '../base/json.js';
import type { ColumnInfo } from './schema-info.js';
import { datumToBare, datumToString, decodeDatum } from './datum-text.js';
import { formatOvsJson } from './ovs-json.js';

export type TableFormat = 'table' | 'list' | 'csv' | 'json' | 'html';
export type CellFormat = 'string' | 'bare' | 'json';

/** A cell holds literal text, or a datum in wire JSON with the column type to render it. */
export type Cell =
  | { readonly text: string }
  | { readonly json: Json; readonly column: ColumnInfo | undefined }
  | { readonly empty: true };

export interface OutputTable {
  readonly caption: string | undefined;
  /** `--timestamp`: a line printed before the caption ("time" member in json). */
  readonly timestamp?: string;
  readonly headings: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
}

export interface TableStyle {
  readonly format: TableFormat;
  readonly cellFormat: CellFormat;
  readonly headings: boolean;
  readonly pretty: boolean;
  /** 0 for no limit. */
  readonly maxColumnWidth: number;
}

/** ovsdb-client's defaults: table format, string cells, headings. */
export const defaultTableStyle: TableStyle = { format: 'table', cellFormat: 'string', headings: true, pretty: false, maxColumnWidth: 0 };

/** Parses a `--format` value. */
export function parseTableFormat(s: string): TableFormat {
  if (s === 'table' || s === 'list' || s === 'csv' || s === 'json' || s === 'html') return s;
  throw new Error(`unknown output format "${s}"`);
}

/** Parses a `--data` value. */
export function parseCellFormat(s: string): CellFormat {
  if (s === 'string' || s === 'bare' || s === 'json') return s;
  throw new Error(`unknown data format "${s}"`);
}

/** cell_to_text() in lib/table.c. */
export function cellText(cell: Cell, style: TableStyle): string {
  if ('text' in cell) return cell.text;
  if ('empty' in cell) return '';
  if (style.cellFormat === 'json' || cell.column === undefined) return formatOvsJson(cell.json);
  try {
    const d = decodeDatum(cell.json, cell.column);
    return style.cellFormat === 'string' ? datumToString(d, cell.column) : datumToBare(d, cell.column);
  } catch {
    return formatOvsJson(cell.json);
  }
}

const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

function padBytes(s: string, width: number): string {
  let text = s;
  if (byteLength(text) > width) text = Buffer.from(text, 'utf8').subarray(0, width).toString('utf8');
  return text + ' '.repeat(Math.max(0, width - byteLength(text)));
}

function finishLine(line: string): string {
  return `${line.replace(/ +$/, '')}\n`;
}

function csvCell(s: string): string {
  return /[\n",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

/**
 * Prints a sequence of tables; like lib/table.c it separates consecutive tables (except in
 * json and html formats) with an empty line.
 *
 * @example new TablePrinter(defaultTableStyle).format({caption: 'T table', headings: ['a'], rows: []})
 */
export class TablePrinter {
  private first = true;

  constructor(readonly style: TableStyle) {}

  format(t: OutputTable): string {
    switch (this.style.format) {
      case 'table': return this.separator() + this.formatTable(t);
      case 'list': return this.separator() + this.formatList(t);
      case 'csv': return this.separator() + this.formatCsv(t);
      case 'json': return this.formatJson(t);
      case 'html': return this.formatHtml(t);
    }
  }

  private separator(): string {
    if (this.first) {
      this.first = false;
      return '';
    }
    return '\n';
  }

  private texts(t: OutputTable): string[][] {
    return t.rows.map((row) => t.headings.map((_, x) => cellText(row[x] ?? { empty: true }, this.style)));
  }

  private head(t: OutputTable): string {
    return (t.timestamp !== undefined ? `${t.timestamp}\n` : '') + (t.caption !== undefined ? `${t.caption}\n` : '');
  }

  private formatTable(t: OutputTable): string {
    let out = this.head(t);
    const texts = this.texts(t);
    const widths = t.headings.map((h, x) => {
      let w = 0;
      for (const row of texts) w = Math.max(w, byteLength(row[x] ?? ''));
      if (this.style.maxColumnWidth > 0 && w > this.style.maxColumnWidth) w = this.style.maxColumnWidth;
      if (this.style.headings) w = Math.max(w, byteLength(h));
      return w;
    });
    if (this.style.headings) {
      out += finishLine(t.headings.map((h, x) => h + ' '.repeat(Math.max(0, (widths[x] ?? 0) - byteLength(h)))).join(' '));
      out += finishLine(widths.map((w) => '-'.repeat(w)).join(' '));
    }
    for (const row of texts) out += finishLine(row.map((s, x) => padBytes(s, widths[x] ?? 0)).join(' '));
    return out;
  }

  private formatList(t: OutputTable): string {
    let out = this.head(t);
    this.texts(t).forEach((row, y) => {
      if (y > 0) out += '\n';
      row.forEach((s, x) => {
        if (this.style.headings) out += `${(t.headings[x] ?? '').padEnd(20)}: `;
        out += `${s}\n`;
      });
    });
    return out;
  }

  private formatCsv(t: OutputTable): string {
    let out = this.head(t);
    if (this.style.headings) out += `${t.headings.map(csvCell).join(',')}\n`;
    for (const row of this.texts(t)) out += `${row.map(csvCell).join(',')}\n`;
    return out;
  }

  private formatJson(t: OutputTable): string {
    const data: Json[] = t.rows.map((row) => t.headings.map((_, x): Json => {
      const cell = row[x] ?? { empty: true };
      if ('text' in cell) return cell.text;
      if ('json' in cell) return cell.json;
      return null;
    }));
    const obj: { [k: string]: Json } = { headings: [...t.headings], data };
    if (t.caption !== undefined) obj['caption'] = t.caption;
    if (t.timestamp !== undefined) obj['time'] = t.timestamp;
    return `${formatOvsJson(obj, { pretty: this.style.pretty })}\n`;
  }

  private formatHtml(t: OutputTable): string {
    const cell = (el: string, content: string): string => {
      const linked = escapeHtml(content).replace(
        /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/g,
        (u) => `<a href="#${u}">${u.slice(0, 8)}</a>`);
      return `    <${el}>${linked}</${el}>\n`;
    };
    let out = `${t.timestamp !== undefined ? `${t.timestamp}\n` : ''}<table border=1>\n`;
    if (t.caption !== undefined) out += cell('caption', t.caption);
    if (this.style.headings) out += `  <tr>\n${t.headings.map((h) => cell('th', h)).join('')}  </tr>\n`;
    for (const row of this.texts(t)) {
      out += '  <tr>\n';
      row.forEach((s, x) => {
        out += t.headings[x] === '_uuid'
          ? `    <td><a name="${escapeHtml(s)}">${escapeHtml(s.slice(0, 8))}</a></td>\n`
          : cell('td', s);
      });
      out += '  </tr>\n';
    }
    return `${out}</table>\n`;
  }
}


/** lib/table.c's timestamp: `%Y-%m-%d %H:%M:%S.mmm` in UTC. */
export function tableTimestamp(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
