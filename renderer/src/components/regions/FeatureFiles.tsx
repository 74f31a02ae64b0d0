import { useState } from 'react';
import type { FeatureFile } from '../../../../shared/regions.js';
import { api } from '../../api.js';
import { useRequest } from '../../data/useRequest.js';
import { useRegions } from '../../stores/regions/index.js';
import { TextPreview } from '../viewer/FilePreview.js';
import { raterColour } from './raters.js';

const KIND_WORDS: Record<FeatureFile['kind'], string> = {
  regions: 'regions',
  image: 'image',
  text: 'text',
  other: 'file',
  missing: 'not fetched',
  invalid: 'unreadable',
};

/** The files the image's asset-valued features point at, per execution: drawings, masks, reports. */
export function FeatureFiles({ bagId }: { bagId: string }) {
  const files = useRegions((state) => state.files);
  if (files.length === 0) return null;
  return (
    <section className="feature-files" data-testid="feature-files">
      <h4>Files of asset-valued features</h4>
      <ul>
        {files.map((file, index) => (
          <FeatureFileEntry key={`${file.assetRid} ${index}`} bagId={bagId} file={file} />
        ))}
      </ul>
    </section>
  );
}

function FeatureFileEntry({ bagId, file }: { bagId: string; file: FeatureFile }) {
  const [open, setOpen] = useState(false);
  const previewable = file.kind === 'image' || file.kind === 'text';
  return (
    <li className="feature-file" data-testid={`feature-file-${file.assetRid}`} data-kind={file.kind}>
      <div className="feature-file-head">
        <span className="swatch" style={{ background: raterColour(file.execution) }} />
        <span className="mono">{file.execution ?? '—'}</span>
        <span className="muted">{file.feature}</span>
        <span className="chip">{KIND_WORDS[file.kind]}</span>
        {file.kind === 'regions' && (
          <span className="muted small">{file.regions?.length ?? 0} shapes, drawn on the image</span>
        )}
        {previewable && (
          <button
            type="button"
            className="link-button"
            data-testid="preview-file"
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide' : 'Preview'}
          </button>
        )}
      </div>
      <div className="muted small mono">{file.filename ?? file.assetRid}</div>
      {file.problem && <p className="warn small">{file.problem}</p>}
      {open && file.kind === 'image' && (
        <img
          className="feature-file-image"
          data-testid="file-image-preview"
          src={api.assetUrl('asset', bagId, file.assetTable, file.assetRid)}
          alt={file.filename ?? file.assetRid}
        />
      )}
      {open && file.kind === 'text' && <TextFile bagId={bagId} file={file} />}
    </li>
  );
}

function TextFile({ bagId, file }: { bagId: string; file: FeatureFile }) {
  const { value: info, error } = useRequest('asset:info', {
    bagId,
    table: file.assetTable,
    rid: file.assetRid,
  });
  if (error) return <p className="warn small">{error}</p>;
  if (!info) return <p className="muted small">Reading…</p>;
  return <TextPreview info={info} />;
}
