import { useLabeling, useLabelFeature } from '../../stores/labeling.js';
import { useViewer } from '../../stores/viewer.js';
import { KeySettings } from './KeySettings.js';
import { RecordForm } from './RecordForm.js';
import { useLabelKeys } from './useLabelKeys.js';

/** What label mode puts over the bag view: its keys, the key settings, and the values form for selected tiles. */
export function LabelingLayer() {
  useLabelKeys();
  const keySettingsOpen = useLabeling((state) => state.keySettingsOpen);
  const form = useLabeling((state) => state.form);
  const viewerOpen = useViewer((state) => state.index !== null);
  const feature = useLabelFeature();
  const drafts = useLabeling((state) => state.drafts);
  const { submitForm, closeForm } = useLabeling.getState();
  const single = form?.targets.length === 1 ? drafts.get(form.targets[0]!) : null;
  return (
    <>
      {keySettingsOpen && <KeySettings />}
      {form && feature && !viewerOpen && (
        <div className="modal-backdrop" onClick={closeForm}>
          <div
            className="modal form-modal"
            role="dialog"
            aria-modal="true"
            aria-label="Label values"
            data-testid="form-dialog"
            onClick={(event) => event.stopPropagation()}
          >
            <RecordForm
              shape={feature.shape}
              values={single?.values ?? null}
              preset={form.preset}
              bulk={form.targets.length > 1}
              title={
                form.targets.length === 1
                  ? `Label ${form.targets[0]}`
                  : `Label ${form.targets.length.toLocaleString()} selected images (one action)`
              }
              onSave={submitForm}
              onCancel={closeForm}
            />
          </div>
        </div>
      )}
    </>
  );
}
