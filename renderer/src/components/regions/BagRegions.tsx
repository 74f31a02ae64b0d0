import { useRegions } from '../../stores/regions/index.js';
import { raterColour } from './raters.js';
import { RegionShape } from './RegionShape.js';

/** The bag's region files for this image, one colour per execution, for the raters not hidden. */
export function BagRegions({ scale }: { scale: number }) {
  const files = useRegions((state) => state.files);
  const hidden = useRegions((state) => state.hidden);
  return (
    <g className="bag-regions" pointerEvents="none">
      {files.map((file, fileIndex) =>
        file.kind !== 'regions' || !file.regions || hidden[file.execution ?? ''] ? null : (
          <g
            key={`${file.assetRid} ${fileIndex}`}
            style={{ color: raterColour(file.execution) }}
            data-rater={file.execution ?? ''}
          >
            {file.regions.map((region, index) => (
              <RegionShape
                key={index}
                region={region}
                scale={scale}
                className="bag-region"
                testId="bag-region"
              />
            ))}
          </g>
        ),
      )}
    </g>
  );
}
