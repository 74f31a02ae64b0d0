import type { AssetInfo } from '../../../../shared/contract.js';
import { api } from '../../api.js';
import { parseCsv } from './csv.js';

const CSV_PREVIEW_ROWS = 200;

function extension(path: string | null): string {
  return path?.split('.').pop()?.toLowerCase() ?? '';
}

/** Whether main sent only the start of the file (it sends the first 64 KiB). */
function isTruncated(info: AssetInfo, text: string): boolean {
  return info.bytes !== null && new TextEncoder().encode(text).length < info.bytes;
}

export function TextPreview({ info }: { info: AssetInfo }) {
  const text = info.text ?? '';
  const kind = extension(info.relative);
  return (
    <div className="file-preview" data-testid="text-preview">
      {isTruncated(info, text) && <p className="muted small">Showing the beginning of the file.</p>}
      {kind === 'csv' || kind === 'tsv' ? (
        <CsvPreview rows={parseCsv(text, CSV_PREVIEW_ROWS + 1, kind === 'tsv' ? '\t' : ',')} />
      ) : (
        <pre className="text-content">{kind === 'json' ? prettyJson(text) : text}</pre>
      )}
    </div>
  );
}

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // A truncated or invalid file: show it as it is.
    return text;
  }
}

function CsvPreview({ rows }: { rows: string[][] }) {
  const [header = [], ...body] = rows;
  return (
    <div className="csv-preview">
      <table>
        <thead>
          <tr>
            {header.map((name, index) => (
              <th key={index} scope="col">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body.slice(0, CSV_PREVIEW_ROWS).map((row, rowIndex) => (
            <tr key={rowIndex}>
              {row.map((cell, index) => (
                <td key={index}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {body.length > CSV_PREVIEW_ROWS && (
        <p className="muted small">Only the first {CSV_PREVIEW_ROWS} rows are shown.</p>
      )}
    </div>
  );
}

export function OtherPreview({ info }: { info: AssetInfo }) {
  return (
    <div className="file-preview empty" data-testid="other-preview">
      <p>Satchel has no preview for this kind of file.</p>
      {api.transport === 'electron' && info.relative && (
        <p className="muted">
          Open it with the system app: <span className="mono">{info.relative}</span>
        </p>
      )}
    </div>
  );
}

export function MissingFile({ info }: { info: AssetInfo }) {
  return (
    <div className="file-preview empty" data-testid="missing-file">
      <p>This file is not in the bag yet.</p>
      <p className="muted">
        {info.relative ? <span className="mono">{info.relative}</span> : 'It'} is listed in fetch.txt but has
        not been fetched.
      </p>
    </div>
  );
}
